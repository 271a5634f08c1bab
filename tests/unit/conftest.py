"""Fixtures of the unit suite: the knowledge base (loaded once) and small article helpers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from models import EnrichedArticle, NormalisedArticle, RawArticle
from streams.knowledge import Knowledge, load_knowledge
from streams.stages.normalise import normalise
from streams.stages.pipeline import process_article


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return load_knowledge()


@pytest.fixture(scope="session")
def analyse(knowledge: Knowledge) -> Callable[..., EnrichedArticle]:
    """All four stages on a text of our own: ``analyse(text, **raw_fields)``."""

    def run(text: str, **fields: object) -> EnrichedArticle:
        return process_article(RawArticle(text=text, **fields))

    return run


@pytest.fixture(scope="session")
def normalised() -> Callable[..., NormalisedArticle]:
    def run(text: str, **fields: object) -> NormalisedArticle:
        return normalise(RawArticle(text=text, **fields))

    return run


@pytest.fixture(scope="session")
def seed_paths(shared: Path) -> list[Path]:
    paths = sorted((shared / "seeds").glob("*.txt"))
    if not paths:
        pytest.skip("no seed articles in shared/seeds")
    return paths


@pytest.fixture(scope="session")
def gold_dir(shared: Path) -> Path:
    directory = shared / "gold"
    if not any(directory.glob("*.json")):
        pytest.skip("no gold annotations in shared/gold")
    return directory
