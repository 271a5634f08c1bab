"""Worker state on one host: a state directory per worker, and table state rebuilt when ahead of its changelog."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from faust.types import TP

from streams.runtime.patches import rebuild_where_ahead
from streams.runtime.statedir import claim_state_dir, release_state_dir


def test_workers_sharing_a_data_dir_get_a_state_directory_each(tmp_path: Path) -> None:
    first = claim_state_dir(tmp_path / "marsad-all")
    second = claim_state_dir(tmp_path / "marsad-all")
    assert first != second and first.parent == second.parent == tmp_path / "marsad-all"
    release_state_dir(first)
    assert claim_state_dir(tmp_path / "marsad-all") == first  # a restarted worker gets its slot back
    release_state_dir(first)
    release_state_dir(second)


def test_a_slot_held_by_another_process_is_skipped(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; "
         "from streams.runtime.statedir import claim_state_dir; "
         f"print(claim_state_dir(Path({str(tmp_path)!r})), flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        held = Path(holder.stdout.readline().strip())  # type: ignore[union-attr]
        mine = claim_state_dir(tmp_path)
        assert held == tmp_path / "worker-0" and mine == tmp_path / "worker-1"
        release_state_dir(mine)
    finally:
        holder.kill()
        holder.wait()
    assert claim_state_dir(tmp_path) == tmp_path / "worker-0"  # the holder's lock died with it
    release_state_dir(tmp_path / "worker-0")


class _Consumer:
    def __init__(self, ends: dict[TP, int], earliest: dict[TP, int]):
        self.ends, self.earliest = ends, earliest

    async def highwaters(self, *tps: TP) -> dict[TP, int]:
        return {tp: self.ends[tp] for tp in tps}

    async def earliest_offsets(self, *tps: TP) -> dict[TP, int]:
        return {tp: self.earliest[tp] for tp in tps}


def test_table_state_ahead_of_its_changelog_is_rebuilt_from_it() -> None:
    ahead, fine = TP("marsad-all-published-stance-changelog", 0), TP("marsad-all-published-stance-changelog", 1)
    store = SimpleNamespace(data={b"a": b"1", b"b": b"2", b"c": b"3"}, _key_partition={b"a": 0, b"b": 1, b"c": 0})
    table = SimpleNamespace(data=store)
    warnings: list[str] = []
    recovery = SimpleNamespace(
        tp_to_table={ahead: table, fine: table}, log=SimpleNamespace(warning=lambda *a: warnings.append(a[0] % a[1:]))
    )
    # the state read up to offset 53 of partition 0, whose changelog now ends at 52 (last offset 51)
    offsets = {ahead: 53, fine: 10}
    consumer = _Consumer({ahead: 52, fine: 40}, {ahead: 0, fine: 0})
    rebuilt = asyncio.run(rebuild_where_ahead(recovery, consumer, {ahead, fine}, offsets, "active"))
    assert rebuilt == [ahead]
    assert offsets == {ahead: -1, fine: 10}  # partition 0 is read again from the changelog's start
    assert store.data == {b"b": b"2"} and store._key_partition == {b"b": 1}
    assert "rebuilding it from the changelog" in warnings[0]


def test_health_tells_a_stalled_stage_from_an_idle_one() -> None:
    from streams.runtime.web import StallWatch

    now = [1000.0]
    watch = StallWatch(60, clock=lambda: now[0])
    assert watch.problem(False, {"entities": 0}, {"entities": 0.0}) is None  # idle, nothing waiting
    assert watch.problem(False, {"entities": 5}, {"entities": 990.0}) is None  # input waiting, recently active
    problem = watch.problem(False, {"entities": 5}, {"entities": 900.0})
    assert problem and "entities has 5 message(s) waiting" in problem
    assert watch.problem(True, {}, {}) is None  # a rebalance has just begun
    now[0] += 59
    assert watch.problem(True, {}, {}) is None
    now[0] += 2
    assert "rebalancing" in (watch.problem(True, {}, {}) or "")
    assert watch.problem(False, {}, {}) is None  # done rebalancing


def test_committed_offsets_past_the_partition_end_are_forgotten_and_counted() -> None:
    from streams.runtime.metrics import OFFSET_RESETS
    from streams.runtime.patches import reset_offsets_past_the_end

    lost, kept, empty = TP("marsad.articles.normalised", 0), TP("marsad.articles.normalised", 1), TP("t", 2)
    before = OFFSET_RESETS.labels("marsad.articles.normalised")._value.get()
    caught_up = TP("marsad.articles.normalised", 3)
    committed = {lost: 2500, kept: 7, empty: None, caught_up: 41}
    reset = reset_offsets_past_the_end(committed, {lost: 12, kept: 40, empty: 0, caught_up: 40})
    assert reset == [lost] and committed == {lost: None, kept: 7, empty: None, caught_up: 41}
    assert OFFSET_RESETS.labels("marsad.articles.normalised")._value.get() == before + 1
