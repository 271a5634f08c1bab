"""Plain aiokafka clients for the commands: topic admin, producing, consuming, group offsets."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import CommitFailedError, KafkaError, TopicAlreadyExistsError

from streams.io.connection import client_options
from streams.io.logend import log_ends
from streams.settings import Settings

log = logging.getLogger(__name__)


async def started_consumer(consumer: AIOKafkaConsumer) -> AIOKafkaConsumer:
    """``consumer`` started; stopped again (no "unclosed" warning) when the broker does not answer."""
    try:
        await consumer.start()
    except BaseException:
        await consumer.stop()
        raise
    return consumer


async def started_admin(settings: Settings) -> AIOKafkaAdminClient:
    """A started admin client; closed again (no "unclosed" warning) when the broker does not answer."""
    admin = AIOKafkaAdminClient(**client_options(settings))
    try:
        await admin.start()
    except BaseException:
        await admin.close()
        raise
    return admin


async def create_topics(
    settings: Settings,
    topics: Sequence[str],
    partitions: int | None = None,
    replication: int | None = None,
    *,
    compacted: Sequence[str] = (),
    admin: AIOKafkaAdminClient | None = None,
) -> list[str]:
    """Create each of ``topics`` (and of ``compacted``, log-compacted) that does not exist yet; returns the ones created.

    With ``admin``, that started client is used and left open (a caller checking every few
    seconds keeps one connection instead of opening one per check).
    """
    own = admin is None
    admin = admin or await started_admin(settings)
    created: list[str] = []
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(
                name,
                num_partitions=partitions or settings.partitions,
                replication_factor=replication or settings.replication_factor,
                topic_configs={"cleanup.policy": "compact"} if name in compacted else {},
            )
            for name in dict.fromkeys([*topics, *compacted])
            if name not in existing
        ]
        if wanted:
            try:
                await admin.create_topics(wanted)
            except TopicAlreadyExistsError:
                pass
            created = [topic.name for topic in wanted]
    finally:
        if own:
            await admin.close()
    return created


class TopicMismatch(RuntimeError):
    """An existing topic has another partition count than this worker is configured for."""


async def partition_counts(
    settings: Settings, topics: Sequence[str], admin: AIOKafkaAdminClient | None = None
) -> dict[str, int]:
    """The partition count of each of ``topics`` that exists (``admin``: as in :func:`create_topics`)."""
    own = admin is None
    admin = admin or await started_admin(settings)
    try:
        existing = set(await admin.list_topics())
        wanted = [topic for topic in topics if topic in existing]
        described = await admin.describe_topics(wanted) if wanted else []
        return {entry["topic"]: len(entry["partitions"]) for entry in described if entry.get("partitions")}
    finally:
        if own:
            await admin.close()


async def ensure_topics(
    settings: Settings, topics: Sequence[str], *, verify: Sequence[str] = (), compacted: Sequence[str] = ()
) -> list[str]:
    """Create the missing ``topics`` with ``MARSAD_PARTITIONS``; check those and ``verify`` agree with it.

    Raises :class:`TopicMismatch` naming the first topic whose partition count differs
    (the publish-once tables and the article-id partitioning need one count everywhere).
    Returns the topics created.
    """
    created = await create_topics(settings, topics, compacted=compacted)
    counts = await partition_counts(settings, [*topics, *verify])
    for topic in [*topics, *verify]:
        found = counts.get(topic)
        if found is not None and found != settings.partitions:
            raise TopicMismatch(
                f"topic {topic} has {found} partition(s) but MARSAD_PARTITIONS is {settings.partitions}: "
                f"set MARSAD_PARTITIONS={found}, or recreate the topic with {settings.partitions}"
            )
    return created


async def wait_for_broker(settings: Settings, timeout: float = 30.0) -> None:
    """Return once the broker answers; raise the last :class:`KafkaError` after ``timeout`` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        producer = AIOKafkaProducer(**client_options(settings))
        try:
            await producer.start()
            await producer.stop()
            return
        except KafkaError:
            await producer.stop()
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.3)


def producer(settings: Settings, **extra: Any) -> AIOKafkaProducer:
    extra.setdefault("max_request_size", settings.max_record_bytes)
    return AIOKafkaProducer(**client_options(settings), acks="all", **extra)


async def consume(
    settings: Settings,
    topic: str,
    *,
    from_beginning: bool,
    timeout: float | None,
    limit: int | None = None,
    group: str | None = None,
) -> AsyncIterator[Any]:
    """Yield records of ``topic`` until ``limit`` records or ``timeout`` s without a new one."""
    consumer = AIOKafkaConsumer(
        topic,
        **client_options(settings),
        group_id=group,
        max_partition_fetch_bytes=settings.max_record_bytes,
        auto_offset_reset="earliest" if from_beginning else "latest",
        enable_auto_commit=group is not None,
    )
    await started_consumer(consumer)
    try:
        count = 0
        idle_since = asyncio.get_running_loop().time()
        while limit is None or count < limit:
            batch = await consumer.getmany(timeout_ms=200, max_records=500)
            records = [record for part in batch.values() for record in part]
            if not records:
                if timeout is not None and asyncio.get_running_loop().time() - idle_since > timeout:
                    return
                continue
            idle_since = asyncio.get_running_loop().time()
            for record in records:
                yield record
                count += 1
                if limit is not None and count >= limit:
                    return
    finally:
        await consumer.stop()


class GroupActive(RuntimeError):
    """The consumer group still has members: its workers must be stopped first."""


async def group_members(settings: Settings, group: str) -> tuple[str, int]:
    """The group's state and member count, as the coordinator reports them."""
    admin = await started_admin(settings)
    try:
        (response,) = await admin.describe_consumer_groups([group])
        described = response.groups[0]
        return str(described[2]), len(described[5])
    finally:
        await admin.close()


async def move_group_offsets(
    settings: Settings, group: str, topic: str, *, timestamp_ms: int | None, wait: float = 15.0
) -> dict[int, int]:
    """Set ``group``'s committed offsets on ``topic`` to the beginning or to a time.

    The group's workers must be stopped: Kafka refuses to move an active group's offsets,
    and they resume from the new offsets when restarted. A worker stopped with SIGTERM
    leaves at once; a killed one stays a member until its session times out, so this
    waits up to ``wait`` seconds for the group to empty before giving up with
    :class:`GroupActive`.

    A time moves each partition to its first record at or after it, or to its end when it
    has none (Tansu answers "none" with offset 0 and timestamp -1; that is read as none).
    The end is the log's (:func:`streams.io.logend.log_ends`): after a batch of several
    records the embedded broker's ``ListOffsets`` names an offset inside it, and the
    records past that offset would be re-run.
    """
    deadline = asyncio.get_running_loop().time() + wait
    while True:
        state, members = await group_members(settings, group)
        if members == 0:
            break
        if asyncio.get_running_loop().time() > deadline:
            raise GroupActive(
                f"group {group} still has {members} member(s) (state {state}); stop its workers first"
            )
        await asyncio.sleep(0.5)
    consumer = AIOKafkaConsumer(**client_options(settings), group_id=group, enable_auto_commit=False)
    await started_consumer(consumer)
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer._client.force_metadata_update()  # noqa: SLF001 - refresh for new topics
            partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        ends = await log_ends(settings, tps)
        if timestamp_ms is None:
            offsets = await consumer.beginning_offsets(tps)
        else:
            found = await consumer.offsets_for_times({tp: timestamp_ms for tp in tps})
            offsets = {}
            for tp in tps:
                hit = found.get(tp)
                usable = hit is not None and hit.offset >= 0 and hit.timestamp is not None and hit.timestamp >= 0
                offsets[tp] = hit.offset if usable else ends[tp]  # type: ignore[union-attr]
        try:
            await consumer.commit({tp: offset for tp, offset in offsets.items()})
        except (CommitFailedError, KafkaError) as error:
            raise GroupActive(f"group {group} refused the new offsets ({error}); stop its workers first") from error
        return {tp.partition: offset for tp, offset in offsets.items()}
    finally:
        await consumer.stop()
