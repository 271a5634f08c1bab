"""One thin Faust agent per stage: hand each message to :mod:`streams.handling`, send the result.

Delivery: a stage's input offset is committed only after its outputs are acknowledged
(Faust acks an event when the loop moves past it), so a crash replays, never loses.
Replays can repeat intermediate records; what consumers read (``enriched`` and
``events.plover``) goes through a *publish-once gate*: a Faust table, changelogged to
Kafka, keyed by article id, holding the pipeline version last published. An output is
sent only when the table does not already hold this version, and the table is updated
only after the broker acknowledged the output. Duplicates are therefore possible only if
a worker dies in the instant between that acknowledgement and its changelog write.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import faust

from streams.handling import Outgoing, handle_message
from streams.observability import DEAD_LETTERED, DUPLICATES, FAILED, LATENCY, PROCESSED
from streams.settings import Settings
from streams.stages.pipeline import StageContext, default_context
from streams.topics import DLQ, PLOVER, STAGE_TOPICS

#: Stages whose outputs are consumer-facing and pass the publish-once gate.
GATED_STAGES = frozenset({"events", "stance"})


def _topic(app: faust.App, name: str, settings: Settings) -> faust.TopicT:
    return app.topic(
        name,
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
        partitions=settings.partitions,
        replicas=settings.replication_factor,
    )


def register_agents(app: faust.App, settings: Settings, stages: Sequence[str]) -> None:
    context = default_context(settings.max_article_chars)
    for stage in stages:
        _register_stage(app, settings, stage, context)


def _register_stage(app: faust.App, settings: Settings, stage: str, context: StageContext) -> None:
    topics = STAGE_TOPICS[stage]
    source = _topic(app, topics.source, settings)
    outputs = {name: _topic(app, name, settings) for name in (topics.sink, DLQ, PLOVER)}
    published = (
        app.Table(
            f"published-{stage}",
            default=None,
            partitions=settings.partitions,
            key_type=bytes,
            value_type=bytes,
        )
        if stage in GATED_STAGES
        else None
    )
    version = context.pipeline_version.encode()

    async def send(messages: list[Outgoing]) -> None:
        pending = [
            await outputs[m.topic].send(key=m.key, value=m.value, headers=m.headers) for m in messages
        ]
        await asyncio.gather(*pending)

    async def process(stream: faust.StreamT) -> None:
        async for event in stream.events():
            message = event.message
            started = time.perf_counter()
            outcome = handle_message(
                stage,
                message.key,
                message.value,
                context,
                max_bytes=settings.max_message_bytes,
                partition=message.partition,
                offset=message.offset,
            )
            always = [m for m in outcome.messages if not m.once]
            once = [m for m in outcome.messages if m.once]
            await send(always)
            if once and published is not None:
                key = once[0].key
                if published.get(key) == version:
                    DUPLICATES.labels(stage).inc()
                else:
                    await send(once)
                    published[key] = version
            elif once:
                await send(once)
            LATENCY.labels(stage).observe(time.perf_counter() - started)
            if outcome.failed:
                FAILED.labels(stage, outcome.failed).inc()
                DEAD_LETTERED.labels(stage).inc()
            else:
                PROCESSED.labels(stage).inc()

    process.__name__ = f"{stage}_agent"
    app.agent(source, name=f"marsad.{stage}")(process)
