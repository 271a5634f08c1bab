"""Plain aiokafka clients for the commands: topic admin, producing, consuming, group offsets."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import AsyncIterator
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError
from aiokafka.protocol.group import LeaveGroupRequest

from streams.settings import Settings
from streams.topics import ALL_TOPICS

log = logging.getLogger(__name__)


def apply_broker_compat() -> None:
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


def client_options(settings: Settings) -> dict[str, Any]:
    """Connection options every aiokafka client shares (security included)."""
    options: dict[str, Any] = {"bootstrap_servers": settings.bootstrap_servers()}
    if settings.security_protocol != "PLAINTEXT":
        options["security_protocol"] = settings.security_protocol
        if settings.security_protocol in ("SSL", "SASL_SSL"):
            options["ssl_context"] = ssl.create_default_context(
                cafile=str(settings.ssl_cafile) if settings.ssl_cafile else None
            )
        if settings.security_protocol.startswith("SASL"):
            options["sasl_mechanism"] = settings.sasl_mechanism
            options["sasl_plain_username"] = settings.sasl_username
            options["sasl_plain_password"] = settings.sasl_password.get_secret_value() if settings.sasl_password else None
    return options


async def create_topics(settings: Settings, partitions: int | None = None, replication: int | None = None) -> list[str]:
    """Create every Marsad topic that does not exist yet; returns the ones created."""
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    created: list[str] = []
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(name, num_partitions=partitions or settings.partitions, replication_factor=replication or settings.replication_factor)
            for name in ALL_TOPICS
            if name not in existing
        ]
        if wanted:
            try:
                await admin.create_topics(wanted)
            except TopicAlreadyExistsError:
                pass
            created = [topic.name for topic in wanted]
    finally:
        await admin.close()
    return created


async def wait_for_broker(settings: Settings, timeout: float = 30.0) -> None:
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
        auto_offset_reset="earliest" if from_beginning else "latest",
        enable_auto_commit=group is not None,
    )
    await consumer.start()
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


async def move_group_offsets(settings: Settings, group: str, topic: str, *, timestamp_ms: int | None) -> dict[int, int]:
    """Set ``group``'s committed offsets on ``topic`` to the beginning or to a time.

    The group's workers must be stopped (Kafka refuses to move an active group's offsets);
    they resume from the new offsets when restarted.
    """
    consumer = AIOKafkaConsumer(**client_options(settings), group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer._client.force_metadata_update()  # noqa: SLF001 - refresh for new topics
            partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        if timestamp_ms is None:
            offsets = await consumer.beginning_offsets(tps)
        else:
            found = await consumer.offsets_for_times({tp: timestamp_ms for tp in tps})
            ends = await consumer.end_offsets(tps)
            offsets = {tp: (found[tp].offset if found.get(tp) else ends[tp]) for tp in tps}
        await consumer.commit({tp: offset for tp, offset in offsets.items()})
        return {tp.partition: offset for tp, offset in offsets.items()}
    finally:
        await consumer.stop()
