"""A state directory per worker process, so workers of one stage can share a host and a data dir.

Faust keeps a worker's table state under its data directory. Two workers of a stage
started with the same ``MARSAD_DATA_DIR`` (the default ``./marsad-data``, on one host) used
to share one directory and corrupt each other's recovery. Each worker now claims the first
free ``worker-N`` slot under ``<data dir>/<consumer group>/``, holding an exclusive lock on
it for its lifetime: a restarted worker gets a slot back (its state with it), a concurrent
one gets the next.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

#: The open lock files of the slots this process holds (closing one releases its lock).
_HELD: dict[Path, IO[str]] = {}


def claim_state_dir(base: Path, *, limit: int = 1024) -> Path:
    """Lock and return the first free ``base/worker-N`` (created when missing)."""
    base.mkdir(parents=True, exist_ok=True)
    for number in range(limit):
        slot = base / f"worker-{number}"
        if slot in _HELD:
            continue
        slot.mkdir(exist_ok=True)
        handle = open(slot / ".lock", "a+", encoding="utf-8")  # noqa: SIM115 - held for the process's life
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        _HELD[slot] = handle
        return slot
    raise OSError(f"all {limit} worker state directories under {base} are in use")


def release_state_dir(slot: Path) -> None:
    """Give a slot back (tests; a worker's slots are released when its process exits)."""
    handle = _HELD.pop(slot, None)
    if handle is not None:
        handle.close()
