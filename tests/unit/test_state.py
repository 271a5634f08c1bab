"""Worker state on one host: a state directory per worker, and table state rebuilt when ahead of its changelog."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from faust.types import TP

from streams.runtime.patches import rebuild_from_changelog
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


def test_every_recovery_rebuilds_the_tables_from_their_changelogs_and_reports_those_ahead() -> None:
    ahead, fine = TP("marsad-all-published-stance-changelog", 0), TP("marsad-all-published-stance-changelog", 1)
    # keys written while processing are not in _key_partition: the whole store is cleared
    store = SimpleNamespace(data={b"a": b"1", b"b": b"2", b"c": b"3"}, _key_partition={b"a": 0})
    table = SimpleNamespace(data=store)
    warnings: list[str] = []
    recovery = SimpleNamespace(
        tp_to_table={ahead: table, fine: table},
        log=SimpleNamespace(warning=lambda *a: warnings.append(a[0] % a[1:]), info=lambda *a: None),
    )
    # the state read up to offset 53 of partition 0, whose changelog now ends at 52 (last offset 51)
    offsets = {ahead: 53, fine: 10}
    consumer = _Consumer({ahead: 52, fine: 40}, {ahead: 0, fine: 5})
    rebuilt = asyncio.run(rebuild_from_changelog(recovery, consumer, {ahead, fine}, offsets, "active"))
    assert rebuilt == [ahead]
    assert offsets == {ahead: -1, fine: 4}  # both read again from their changelog's first offset
    assert store.data == {} and store._key_partition == {}
    assert len(warnings) == 1 and "rebuilding it from the changelog" in warnings[0]


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
    caught_up, one_past = TP("marsad.articles.normalised", 3), TP("marsad.articles.normalised", 4)
    # a committed offset is the next one to read; a log's end the next one to be written
    committed = {lost: 2500, kept: 7, empty: None, caught_up: 40, one_past: 41}
    reset = reset_offsets_past_the_end(committed, {lost: 12, kept: 40, empty: 0, caught_up: 40, one_past: 40})
    assert sorted(reset) == sorted([lost, one_past])
    assert committed == {lost: None, kept: 7, empty: None, caught_up: 40, one_past: None}
    assert OFFSET_RESETS.labels("marsad.articles.normalised")._value.get() == before + 2


class _Recovery:
    """What RecoveryWatch reads of Faust's Recovery."""

    def __init__(self, highwaters: dict[TP, int], offsets: dict[TP, int]):
        self.in_recovery = True
        self.active_highwaters, self.active_offsets = highwaters, offsets
        self.signal_recovery_start = asyncio.Event()


def test_a_recovery_waiting_for_offsets_the_log_no_longer_has_is_started_again(monkeypatch) -> None:
    from streams.runtime import recovery_watch
    from streams.runtime.metrics import RECOVERY_RESTARTS
    from streams.settings import Settings

    lost, slow = TP("marsad-stance-published-stance-changelog", 0), TP("marsad-stance-published-stance-changelog", 1)
    ends = {lost: 3, slow: 900}  # lost: the broker came back with 3 records; slow: still being read

    async def log_ends(settings, partitions, timeout=10.0):
        return {tp: ends[tp] for tp in partitions}

    monkeypatch.setattr(recovery_watch, "log_ends", log_ends)
    recovery = _Recovery({lost: 250, slow: 899}, {lost: 2, slow: 400})
    app = SimpleNamespace(tables=SimpleNamespace(_recovery=recovery))
    watch = recovery_watch.RecoveryWatch(app, Settings())  # type: ignore[arg-type]
    before = RECOVERY_RESTARTS.labels(lost.topic)._value.get()
    assert asyncio.run(watch.check()) == []  # once may be a race with the ends just read
    assert not recovery.signal_recovery_start.is_set()
    assert asyncio.run(watch.check()) == [lost]
    assert recovery.signal_recovery_start.is_set()
    assert RECOVERY_RESTARTS.labels(lost.topic)._value.get() == before + 1


def test_a_slow_or_finished_recovery_is_left_alone(monkeypatch) -> None:
    from streams.runtime import recovery_watch
    from streams.settings import Settings

    tp = TP("marsad-events-published-events-changelog", 2)

    async def log_ends(settings, partitions, timeout=10.0):
        return {p: 5000 for p in partitions}

    monkeypatch.setattr(recovery_watch, "log_ends", log_ends)
    recovery = _Recovery({tp: 4999}, {tp: 10})
    watch = recovery_watch.RecoveryWatch(SimpleNamespace(tables=SimpleNamespace(_recovery=recovery)), Settings())  # type: ignore[arg-type]
    for _ in range(3):
        assert asyncio.run(watch.check()) == []
    recovery.in_recovery = False
    assert asyncio.run(watch.check()) == [] and not recovery.signal_recovery_start.is_set()
    assert recovery_watch.unreachable({tp: 7}, {tp: 7}, {tp: 0}) == {}  # read to its end already


def test_health_reports_a_stage_waiting_past_the_end_of_its_input() -> None:
    from streams.runtime.web import StallWatch

    now = [500.0]
    watch = StallWatch(60, clock=lambda: now[0])
    # lag 0 (max(0, end - position)) hid it: the position is 2 400 past a partition's end
    assert watch.problem(False, {"events": 0}, {"events": 0.0}, {"events": 2400}) is None
    now[0] += 61
    problem = watch.problem(False, {"events": 0}, {"events": 0.0}, {"events": 2400})
    assert problem and "events waits 2400 offset(s) past the end" in problem
    assert watch.problem(False, {"events": 0}, {"events": 0.0}, {}) is None  # reset, reading again
    now[0] += 61
    assert watch.problem(False, {"events": 0}, {"events": 0.0}, {"events": 5}) is None  # the clock starts again


def test_the_recovery_watch_reads_partitions_faust_has_not_started_as_none_read(monkeypatch) -> None:
    """Faust keeps ``None`` as the offset of a changelog partition it has not read yet (and may
    not know the awaited end yet): the watch used to compare None with an int and crash the worker."""
    from streams.runtime import recovery_watch
    from streams.settings import Settings

    unread, unknown = TP("marsad-stance-published-stance-changelog", 0), TP("marsad-stance-published-stance-changelog", 1)

    async def log_ends(settings, partitions, timeout=10.0):
        assert unknown not in partitions  # no awaited end: nothing to compare yet
        return {tp: 0 for tp in partitions}  # the broker came back empty

    monkeypatch.setattr(recovery_watch, "log_ends", log_ends)
    recovery = _Recovery({unread: 30, unknown: None}, {unread: None, unknown: None})  # type: ignore[dict-item]
    watch = recovery_watch.RecoveryWatch(SimpleNamespace(tables=SimpleNamespace(_recovery=recovery)), Settings())  # type: ignore[arg-type]
    assert asyncio.run(watch.check()) == []
    assert asyncio.run(watch.check()) == [unread]  # offset 30 awaited, the log is empty
    assert recovery_watch.pending({unread: 30, unknown: None}, {unread: 29}) == [unread]
    assert recovery_watch.unreachable({unread: 30}, {unread: None}, {unread: 31}) == {}  # offset 30 exists
