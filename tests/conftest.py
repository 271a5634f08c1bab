"""Shared fixtures: the repository root and the shared specification folder."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared() -> Path:
    """``/work/shared`` (seeds, gold); tests that need it skip when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is not available")
    return SHARED


@pytest.fixture(autouse=True)
def _no_caller_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test sees the documented defaults, whatever MARSAD_* settings the caller exported.

    Only variables a :class:`streams.settings.Settings` field reads are removed; the suite's own
    switches (``MARSAD_TEST_LOG_LEVEL``, ``MARSAD_CHROMIUM``, ...) stay. Tests that want a
    setting pass it explicitly (``monkeypatch.setenv``, ``Settings(...)``, a subprocess env).
    """
    import os

    from streams.settings import ENV_PREFIX, Settings

    for name in list(os.environ):
        if name.startswith(ENV_PREFIX) and name.removeprefix(ENV_PREFIX).lower() in Settings.model_fields:
            monkeypatch.delenv(name)
