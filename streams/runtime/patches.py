"""Every fix Marsad makes to Faust and aiokafka, in one place, applied explicitly.

Each function patches Faust (or aiokafka) in place, is idempotent, and says in its
docstring what goes wrong without it. :func:`apply` applies them all — called by
:func:`streams.runtime.app.create_app`, nowhere at import time — and refuses to run on
versions they were not written for (:data:`WRITTEN_FOR`; ``pyproject.toml`` pins the
same ranges): the fixes replace private methods, whose code changes between releases.
The private attributes the runtime reads are read here too (:func:`committed_offsets`).
"""

from __future__ import annotations

import logging
from importlib.metadata import version
from typing import Any

from aiokafka.errors import KafkaError
from aiokafka.protocol.group import LeaveGroupRequest
from faust.serializers import codecs

log = logging.getLogger(__name__)

#: Distribution → the release series (``major.minor``) the fixes below were written against.
WRITTEN_FOR: dict[str, str] = {"faust-streaming": "0.15", "aiokafka": "0.14"}


class UnsupportedVersion(RuntimeError):
    """An installed Faust or aiokafka is not the release the patches were written for."""


def check_versions(installed: dict[str, str] | None = None) -> None:
    """Raise :class:`UnsupportedVersion` unless each patched library is of its series."""
    for name, series in WRITTEN_FOR.items():
        found = (installed or {}).get(name) or version(name)
        if found != series and not found.startswith(series + "."):
            raise UnsupportedVersion(
                f"{name} {found} is installed, but streams/runtime/patches.py was written for {series}.x: "
                f"install {name}=={series}.* or review the patches for {found}"
            )


def apply() -> None:
    """Check the versions, then apply every fix (idempotent)."""
    check_versions()
    leave_group_on_generation_zero()
    seek_before_resume()
    commit_only_what_was_processed()
    fetch_only_active_partitions()
    wait_only_for_messages_held()
    rebuild_tables_from_their_changelog()
    configurable_fetch_wait()
    producer_buffer_sized_by_the_app()
    disable_unsafe_codecs()


def committed_offsets(consumer: Any) -> dict[Any, int | None]:
    """The offsets Faust's consumer holds as committed (Faust keeps 0 and "none" as None)."""
    return getattr(consumer, "_committed_offset", {})  # noqa: SLF001 - no public accessor in Faust 0.15


def table_recovery(app: Any) -> Any | None:
    """Faust's table recovery service, or None before a table has needed one."""
    return getattr(app.tables, "_recovery", None)  # noqa: SLF001 - no public accessor in Faust 0.15


def stream_starts(consumer: Any) -> dict[Any, int]:
    """Per assigned stream partition, the offset this assignment's reading started at
    (set by :func:`seek_before_resume`; empty before the first assignment)."""
    return getattr(consumer, "_marsad_starts", {})


def start_later(consumer: Any, tp: Any, offset: int) -> None:
    """Reading of ``tp`` starts at ``offset`` at the earliest: the records before it are gone."""
    starts = stream_starts(consumer)
    starts[tp] = max(starts.get(tp, offset), offset)


def leave_group_on_generation_zero() -> None:
    """Make aiokafka leave its group on close when the broker numbers generations from 0.

    aiokafka sends LeaveGroup only for ``generation > 0``: Kafka's first generation is 1,
    Tansu's is 0. Without the LeaveGroup a stopped worker stays a member of its group on
    Tansu (it does not expire idle members either), so its partitions would go unserved
    until some other member joins. ``generation >= 0`` is the same test on Kafka (a member
    that never joined, or was reset, has generation -1). Idempotent.
    """
    from aiokafka.consumer.group_coordinator import GroupCoordinator

    if getattr(GroupCoordinator, "_marsad_compat", False):
        return

    async def _maybe_leave_group(self: GroupCoordinator) -> None:
        if self.generation >= 0 and self.member_id and self._group_instance_id is None:
            request = LeaveGroupRequest(self.group_id, self.member_id)
            try:
                await self._send_req(request)
            except KafkaError as err:
                log.error("LeaveGroup request failed: %s", err)
            else:
                log.info("LeaveGroup request succeeded")
        self.reset_generation()

    GroupCoordinator._maybe_leave_group = _maybe_leave_group  # type: ignore[method-assign]
    GroupCoordinator._marsad_compat = True  # type: ignore[attr-defined]

#: Faust codecs that run code (or construct arbitrary objects) while decoding. Marsad
#: moves raw bytes only (orjson + pydantic on either side), so these are removed from
#: the registry: no topic, table or channel can be configured to use them by mistake.
UNSAFE_CODECS = ("pickle", "pickle_restricted", "pickle_fickling", "yaml")


def disable_unsafe_codecs() -> None:
    for name in UNSAFE_CODECS:
        codecs.codecs.pop(name, None)


def seek_before_resume() -> None:
    """Make Faust re-read, after every assignment, everything not committed.

    Two defects of Faust 0.15 + aiokafka lose messages for the life of a worker (they
    come back only after a restart, since their offsets are never committed):

    1. aiokafka starts fetching a newly assigned partition before Faust pauses it; what
       it fetches meanwhile reaches Faust while the flow is suspended and is dropped,
       yet advances Faust's *read offset*. Faust then seeks to the committed offset,
       but ``AIOKafkaConsumer.seek_to_committed`` skips partitions whose committed
       offset is 0 (or absent), so those records are never fetched again. Seen on
       every ``marsad reprocess --from-beginning``.
    2. Faust resumes the partitions *before* seeking, with the fetcher running, so the
       re-fetched records can meet a read offset already advanced by the dropped ones
       and be dropped as "already read" (seen after about one restart in three).

    The replacement seeks while the partitions are still paused — to the committed
    offset, or explicitly to 0 when aiokafka would not — then, with no ``await`` in
    between, resets the read offsets to the committed ones, resumes the partitions and
    the flow. Faust has this sequence twice (after a table recovery, and when none was
    needed); both are replaced. Idempotent.
    """
    import asyncio

    from faust.tables.recovery import Recovery

    if getattr(Recovery, "_marsad_seek_first", False):
        return

    async def seek_streams(self: Recovery, generation_id: int) -> bool:
        consumer = self.app.consumer
        timeout = self.app.conf.broker_request_timeout
        self.log.info("Seek stream partitions to committed offsets (before resuming them).")
        await self._wait(consumer.perform_seek(), timeout=timeout)
        streams = {tp for tp in consumer.assignment() if not self._is_changelog_tp(tp)}
        committed = committed_offsets(consumer)
        starts: dict[Any, int] = {}
        if streams:
            ends = await partition_ends(self.app, consumer, streams, timeout)
            reset_offsets_past_the_end(committed, ends)
            earliest = await asyncio.wait_for(consumer.earliest_offsets(*streams), timeout)
            # where reading starts: the committed offset, or the log's start when nothing was
            # committed or the broker deleted the records from there (retention)
            starts = {tp: max(committed.get(tp) or 0, earliest.get(tp) or 0) for tp in streams}
            self.log.info(
                "Reading from %s",
                ", ".join(f"{tp.topic}[{tp.partition}] at {starts[tp]} of {ends.get(tp)}" for tp in sorted(streams)),
            )
        if self.app.consumer_generation_id != generation_id:
            self.log.warning("Recovery rebalancing again")
            return False
        # From here to the resume nothing suspends (Faust's seek of the aiokafka driver
        # completes without awaiting): what the fetcher returned during the awaits above,
        # and dropped (the partitions were not active), is fetched again from the start.
        for tp in streams:
            await consumer.seek(tp, starts[tp])  # sets the read offset too
        consumer._marsad_starts = starts  # noqa: SLF001 - read by stream_starts()
        consumer.resume_partitions(streams)
        return True

    async def _resume_streams(self: Recovery, generation_id: int = 0) -> None:
        app = self.app
        consumer = app.consumer
        await app.on_rebalance_complete.send()
        assignment = consumer.assignment()
        if self.app.consumer_generation_id != generation_id:
            self.log.warning("Recovery rebalancing again")
            return
        if assignment:
            if not await seek_streams(self, generation_id):
                return
        else:
            self.log.info("Resuming streams with empty assignment")
        self.completed.set()
        # no await since the partitions were resumed: nothing is fetched while the flow is off
        self.log.info("Resuming flow...")
        app.flow_control.resume()
        consumer.resume_flow()
        await app._fetcher.maybe_start()  # noqa: SLF001 - as Faust does
        self.tables.on_actives_ready()
        self.tables.on_standbys_ready()
        app.on_rebalance_end()
        self.log.info("Worker ready")

    async def on_recovery_completed(self: Recovery, generation_id: int = 0) -> None:
        consumer = self.app.consumer
        self.log.info("Restore complete!")
        await self.app.on_rebalance_complete.send()
        self._set_recovery_ended()
        callback_coros = [
            asyncio.ensure_future(
                table.on_recovery_completed(self.actives_for_table[table], self.standbys_for_table[table])
            )
            for table in self.tables.values()
        ]
        if callback_coros:
            await asyncio.wait(callback_coros)
        if self.app.consumer_generation_id != generation_id:
            self.log.warning("Recovery rebalancing again")
            return
        if consumer.assignment():
            if not await seek_streams(self, generation_id):
                return
        self.completed.set()
        # no await since the partitions were resumed: nothing is fetched while the flow is off
        self.app.flow_control.resume()
        consumer.resume_flow()
        await self.app._fetcher.maybe_start()  # noqa: SLF001 - as Faust does
        self.tables.on_actives_ready()
        if not self.app.assignor.assigned_standbys():
            self.tables.on_standbys_ready()
        self.app.on_rebalance_end()
        self.log.info("Worker ready")

    Recovery._resume_streams = _resume_streams  # type: ignore[method-assign]
    Recovery.on_recovery_completed = on_recovery_completed  # type: ignore[method-assign]
    Recovery._marsad_seek_first = True  # type: ignore[attr-defined]


def commit_only_what_was_processed() -> None:
    """Never commit an offset of a stream partition past a record the agent did not get.

    Faust treats a jump in the offsets it delivers as a *gap* (records compacted away, or
    transaction markers) and commits across it; and it commits from the first record
    acknowledged after an assignment even when records before it were never delivered
    (when nothing was committed before, or when only the one record at the committed
    offset is missing). Marsad's stage topics are neither compacted nor transactional:
    such a jump is records fetched and dropped (see :func:`fetch_only_active_partitions`),
    and committing across it lost them for good (seen after a ``kill -9`` of a loaded
    worker: 66 articles of one partition). Now a gap counts only on the topics the app
    names in ``app.marsad_gap_topics`` (the compacted ones it reads), and no offset is
    committed while the oldest acknowledged record of a partition lies past the offset
    last committed or where its reading started (:func:`stream_starts`: the log's start
    when the broker deleted the records before it): the commit waits for the records the
    :class:`streams.runtime.guard.DeliveryGuard` reads again. Idempotent.
    """
    from faust.transport.consumer import Consumer
    from faust.utils.functional import consecutive_numbers

    if getattr(Consumer, "_marsad_no_gaps", False):
        return
    add_gap = Consumer._add_gap
    new_offset = Consumer._new_offset

    def gaps_expected(consumer: Any, tp: Any) -> bool:
        return tp.topic in getattr(consumer.app, "marsad_gap_topics", ())

    async def _add_gap(self: Consumer, tp: Any, offset_from: int, offset_to: int) -> None:
        if gaps_expected(self, tp):
            await add_gap(self, tp, offset_from, offset_to)

    def _new_offset(self: Consumer, tp: Any) -> int | None:
        """The offset to commit: past the run of acknowledged offsets from where reading is."""
        if gaps_expected(self, tp):
            return new_offset(self, tp)
        acked = self._acked[tp]  # noqa: SLF001
        if not acked:
            return None
        acked.sort()
        known = [o for o in (self._committed_offset[tp], stream_starts(self).get(tp)) if o is not None]  # noqa: SLF001
        if known and acked[0] > max(known):
            return None  # the records from there were not processed yet
        batch = next(consecutive_numbers(acked))
        del acked[: len(batch)]
        self._acked_index[tp].difference_update(batch)  # noqa: SLF001
        return batch[-1] + 1

    Consumer._add_gap = _add_gap  # type: ignore[method-assign]
    Consumer._new_offset = _new_offset  # type: ignore[method-assign]
    Consumer._marsad_no_gaps = True  # type: ignore[attr-defined]


#: Longest a revocation waits for the streams to acknowledge what they took (seconds). Past
#: it the rebalance goes on; what was not acknowledged is not committed and is read again.
WAIT_EMPTY_LIMIT = 20.0


def wait_only_for_messages_held() -> None:
    """Make a revocation wait only for messages a stream still holds, and not for ever.

    A message of a topic that two agents of one worker read (the PLOVER events: stories
    and the store) is counted once per agent. When a revocation clears the agents' queues
    (``flow_control.clear()``), a copy waiting in one queue is dropped without being
    counted off, so after the other agent acknowledged its copy the message stays
    "unacknowledged" and Faust's ``wait_empty`` waited for it for ever: the worker hung
    in the rebalance (seen with a second ``--stage all`` worker joining under load).
    A copy whose delivery waited on a full queue is dropped the same way (the waiting put
    is cancelled). Dropped copies are now counted (per message, weakly), and a message whose only
    remaining counts are dropped copies is not waited for. It is not acknowledged either,
    so its offset is not committed and it is read again after the assignment. As a last
    resort the wait ends after :data:`WAIT_EMPTY_LIMIT` seconds with a warning (what was
    not acknowledged is, again, not committed). Idempotent.
    """
    import asyncio
    import time
    import weakref

    from faust.transport.consumer import Consumer
    from faust.types import EventT
    from mode.utils.queues import FlowControlEvent, ThrowableQueue

    if getattr(Consumer, "_marsad_wait_held", False):
        return
    dropped: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
    clear = FlowControlEvent.clear

    def count_dropped(item: Any) -> None:
        if isinstance(item, EventT):
            dropped[item.message] = dropped.get(item.message, 0) + 1

    def clear_counting_drops(self: FlowControlEvent) -> None:
        for queue in list(self._queues):  # noqa: SLF001
            for item in list(getattr(queue, "_queue", ())):
                count_dropped(item)
        clear(self)

    put = ThrowableQueue.put

    async def put_counting_drops(self: ThrowableQueue, item: Any) -> None:
        """A put waiting on a full queue is cancelled when the queue is cleared: the copy is dropped."""
        try:
            await put(self, item)
        except asyncio.CancelledError:
            count_dropped(item)
            raise

    def held(message: Any) -> bool:
        return not message.acked and message.refcount > dropped.get(message, 0)

    def _clean_unacked_messages(self: Consumer) -> None:
        self._unacked_messages -= {m for m in self._unacked_messages if not held(m)}  # noqa: SLF001

    async def wait_empty(self: Consumer) -> None:
        """Wait (bounded) for every message a stream holds to be acknowledged, then commit."""
        deadline = time.monotonic() + WAIT_EMPTY_LIMIT
        self._clean_unacked_messages()  # noqa: SLF001
        while not self.should_stop and self._unacked_messages:  # noqa: SLF001
            if time.monotonic() >= deadline:
                log.warning(
                    "rebalance: %d message(s) taken by the agents were not acknowledged within %.0f s; "
                    "going on without them (they are not committed, and are read again)",
                    len(self._unacked_messages), WAIT_EMPTY_LIMIT,  # noqa: SLF001
                )
                break
            await self.commit()
            if not self._unacked_messages:  # noqa: SLF001
                break
            await self._wait_for_ack(timeout=1)  # noqa: SLF001 - returns after an ack or the timeout
            self._clean_unacked_messages()  # noqa: SLF001
        await self.commit_and_end_transactions()

    FlowControlEvent.clear = clear_counting_drops  # type: ignore[method-assign]
    ThrowableQueue.put = put_counting_drops  # type: ignore[method-assign]
    Consumer._clean_unacked_messages = _clean_unacked_messages  # type: ignore[method-assign]
    Consumer.wait_empty = wait_empty  # type: ignore[method-assign]
    Consumer._marsad_wait_held = True  # type: ignore[attr-defined]


def fetch_only_active_partitions() -> None:
    """Hand aiokafka a copy of the partitions to return records of, taken when the fetch starts.

    Faust passes its live set of active partitions to the consumer thread, and the main
    thread changes it meanwhile (pausing and resuming partitions around an assignment).
    aiokafka reads an empty set as "every partition": a fetch that started with only the
    table changelogs active and found the set emptied when it returned handed over the
    stream partitions' records too, which Faust dropped (not active) after aiokafka had
    moved its positions past them. With a copy, records of partitions not active when the
    fetch started stay in aiokafka's buffer. Idempotent.
    """
    from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

    if getattr(AIOKafkaConsumerThread, "_marsad_fetch_copy", False):
        return
    fetch_records = AIOKafkaConsumerThread._fetch_records

    async def _fetch_records(
        self: AIOKafkaConsumerThread,
        consumer: Any,
        active_partitions: Any,
        timeout: float | None = None,
        max_records: int | None = None,
    ) -> Any:
        if active_partitions is not None:
            active_partitions = frozenset(active_partitions)
            if not active_partitions:
                return {}
        return await fetch_records(self, consumer, active_partitions, timeout=timeout, max_records=max_records)

    AIOKafkaConsumerThread._fetch_records = _fetch_records  # type: ignore[method-assign]
    AIOKafkaConsumerThread._marsad_fetch_copy = True  # type: ignore[attr-defined]


async def partition_ends(app: Any, consumer: Any, partitions: Any, timeout: float) -> dict[Any, int]:
    """The log ends of ``partitions`` (:func:`streams.io.logend.log_ends`), or Faust's
    ``highwaters`` (``ListOffsets``) for an app built without Marsad settings."""
    import asyncio

    from streams.io.logend import log_ends

    settings = getattr(app, "marsad_settings", None)
    if settings is not None:
        try:
            return await log_ends(settings, partitions, timeout=timeout)
        except (KafkaError, TimeoutError) as error:
            log.warning("could not read the partitions' log ends (%r); using the broker's listed offsets", error)
    return dict(await asyncio.wait_for(consumer.highwaters(*partitions), timeout=timeout))


def reset_offsets_past_the_end(committed: dict[Any, int | None], ends: dict[Any, int | None]) -> list[Any]:
    """Forget committed offsets past their partition's end (the broker lost its log), counting each.

    Kafka reports such an offset as out of range only when it fetches there; the embedded
    broker answers with nothing, and the stage would wait at the old offset forever (seen
    after a restart of the embedded broker). A forgotten offset is then sought per
    ``auto.offset.reset`` (earliest): the partition is read from its new beginning.
    ``ends`` must be the logs' ends (:func:`streams.io.logend.log_ends`): the embedded
    broker's ``ListOffsets`` can report less, and a caught-up partition would be read again.
    """
    from streams.io.logend import past_the_end
    from streams.runtime.metrics import OFFSET_RESETS

    reset = []
    for tp, end in ends.items():
        offset = committed.get(tp)
        if offset and past_the_end(offset, end):
            log.warning("%s: committed offset %d is past the partition's end %d; reading it from the beginning", tp, offset, end)
            committed[tp] = None
            OFFSET_RESETS.labels(tp.topic).inc()
            reset.append(tp)
    return reset


def configurable_fetch_wait() -> None:
    """Let each app choose its consumer's ``fetch_max_wait_ms`` (Faust hard-codes 1500).

    On Kafka a waiting fetch returns as soon as data arrives, so the value only paces idle
    polling. The embedded broker answers a waiting fetch only at its deadline: with 1500 ms
    every hop of the pipeline could add up to 1.5 s. The app's value is read from
    ``app.marsad_fetch_max_wait_ms`` (set by :func:`streams.runtime.app.create_app`) and written
    into the consumer before it starts, which is when aiokafka builds its fetcher.
    """
    from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

    if getattr(AIOKafkaConsumerThread, "_marsad_fetch_wait", False):
        return
    create_worker_consumer = AIOKafkaConsumerThread._create_worker_consumer

    def _create_worker_consumer(self: AIOKafkaConsumerThread, transport: object) -> object:
        consumer = create_worker_consumer(self, transport)
        wait_ms = getattr(self.app, "marsad_fetch_max_wait_ms", None)
        if wait_ms is not None:
            consumer._fetch_max_wait_ms = int(wait_ms)  # noqa: SLF001 - read by start()
        return consumer

    AIOKafkaConsumerThread._create_worker_consumer = _create_worker_consumer  # type: ignore[method-assign]
    AIOKafkaConsumerThread._marsad_fetch_wait = True  # type: ignore[attr-defined]


def producer_buffer_sized_by_the_app() -> None:
    """Let each app size the producer's buffer of table writes (Faust hard-codes 100).

    Table writes (the publish-once gate's changelog, one or two records per gated input)
    wait in that buffer; past its size the conductor logs "producer buffer full" and
    flushes before delivering the next message. A batch of ``MARSAD_BATCH_MAX`` gated
    inputs passed 100 at every full batch. The size is read from
    ``app.marsad_producer_buffer`` (set by :func:`streams.runtime.app.create_app`) when
    the producer starts; it still bounds the writes waiting.
    """
    from faust.transport.producer import Producer

    if getattr(Producer, "_marsad_buffer_size", False):
        return
    on_start = Producer.on_start

    async def sized_on_start(self: Producer) -> None:
        size = getattr(self.app, "marsad_producer_buffer", None)
        if size is not None:
            self.buffer.max_messages = int(size)
        await on_start(self)

    Producer.on_start = sized_on_start  # type: ignore[method-assign]
    Producer._marsad_buffer_size = True  # type: ignore[attr-defined]


def rebuild_tables_from_their_changelog() -> None:
    """Make every table recovery rebuild the table from its changelog: what the broker has is the truth.

    Faust's memory store keeps its keys across rebalances and reads only the changelog past
    the offset it last read, so state the changelog no longer has survives: after a broker
    lost its data (the embedded broker keeps it in memory) the publish-once gate kept old
    watermarks and groups, and a changelog shorter than the offset read stopped the worker
    (``ConsistencyError``; seen when a second worker of a stage started and stopped on the
    same host). Now each recovery clears the stores and reads every assigned changelog
    partition from its beginning, as a freshly started worker does; a partition whose
    changelog ends below what was read before is logged and counted
    (``marsad_table_rebuilds_total``). The changelog ends it waits for are the logs' ends
    (:func:`streams.io.logend.log_ends`): the embedded broker's ``ListOffsets`` can
    report less (the last records of a changelog were then not restored) or, back after
    losing its data, more than any fetch returns (the recovery then waited for good). Idempotent.
    """
    from faust.tables.recovery import Recovery

    if getattr(Recovery, "_marsad_rebuild", False):
        return

    async def _build_offsets(self: Recovery, consumer: Any, tps: Any, destination: Any, title: str) -> None:
        await rebuild_from_changelog(self, consumer, tps, destination, title)

    build_highwaters = Recovery._build_highwaters

    async def _build_highwaters(self: Recovery, consumer: Any, tps: Any, destination: Any, title: str) -> None:
        await build_highwaters(self, consumer, tps, destination, title)
        if tps and getattr(self.app, "marsad_settings", None) is not None:
            ends = await partition_ends(self.app, consumer, tps, self.app.conf.broker_request_timeout)
            for tp, end in ends.items():
                destination[tp] = end - 1  # Faust's convention: the last offset, -1 if none

    Recovery._build_offsets = _build_offsets  # type: ignore[method-assign]
    Recovery._build_highwaters = _build_highwaters  # type: ignore[method-assign]
    Recovery._marsad_rebuild = True  # type: ignore[attr-defined]


async def rebuild_from_changelog(recovery: Any, consumer: Any, tps: Any, offsets: Any, title: str) -> list[Any]:
    """Read every partition of ``tps`` from its changelog's beginning; returns those that were ahead of it.

    Called once for the active partitions (first: the stores are cleared then) and once for
    the standby ones. A partition read before up to an offset past its changelog's last
    offset is a changelog the broker lost or that another worker's state outran: warned
    about and counted.
    """
    from streams.runtime.metrics import TABLE_REBUILDS

    if title == "active":
        manager = getattr(recovery, "tables", None)  # every table of the app, assigned partitions or not
        tables = list(manager.values()) if hasattr(manager, "values") else list(recovery.tp_to_table.values())
        for table in {id(t): t for t in tables}.values():
            _clear_store(table)
    if not tps:
        return []
    ends = await partition_ends(getattr(recovery, "app", None), consumer, tps, 30.0)
    earliest = await consumer.earliest_offsets(*tps)
    ahead = []
    for tp in tps:
        end = ends.get(tp)
        last = end - 1 if end is not None else -1  # Faust's convention: the last offset, -1 if none
        start = offsets.get(tp)
        if start is not None and start > last and start >= 0:
            recovery.log.warning(
                "%s table state of %s was read up to offset %d, past the changelog's last offset %d "
                "(the broker lost it, or another worker's state outran it): rebuilding it from the changelog",
                title, tp, start, last,
            )
            TABLE_REBUILDS.labels(tp.topic).inc()
            ahead.append(tp)
        first = earliest.get(tp)
        offsets[tp] = first - 1 if first is not None else -1
    recovery.log.info("%s tables: %d changelog partition(s) read from their beginning", title, len(tps))
    return ahead


def _clear_store(table: Any) -> None:
    """Forget a memory-store table's keys (the changelog restores those of the assigned partitions)."""
    store = getattr(table, "data", None)
    for name in ("data", "_key_partition"):  # noqa: SLF001 - Faust's memory store keeps no public API for this
        mapping = getattr(store, name, None)
        if mapping is not None and hasattr(mapping, "clear"):
            mapping.clear()
