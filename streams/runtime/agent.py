"""The Faust agent of a stage: each input message through :mod:`streams.runtime.handling`,
its outputs sent, its offset acknowledged only after the broker acknowledged them.

Why the order matters, and what the publish-once gate adds for consumer-facing topics, is
in ``docs/delivery.md``. :class:`StageAgent` runs a record-in/record-out stage
(``Kind.MAP``); a stage of another shape (a stateful aggregator with a table, a sink into
a database) subclasses :class:`Agent` and registers its kind in :data:`AGENT_KINDS`.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from typing import Any, ClassVar

import faust
from faust.streams import _current_event

from streams.runtime.batches import batches
from streams.runtime.gate import PublishGate
from streams.runtime.guard import DeliveryGuard
from streams.runtime.handling import handle_message, output_failed
from streams.runtime.metrics import DEAD_LETTERED, DUPLICATES, FAILED, GAPS, LATENCY, PROCESSED, RECONCILED
from streams.runtime.sender import InFlight, OutputRejected, Sender
from streams.settings import Settings
from streams.stages.spec import InputLimit, Kind, StageContext, StageSpec

log = logging.getLogger(__name__)


def raw_topic(app: faust.App, name: str, settings: Settings, *more: str) -> faust.TopicT:
    """A topic (or, with ``more``, one subscription to several) of raw bytes: values are JSON
    the stages decode themselves, no Faust codec."""
    return app.topic(
        name,
        *more,
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
        partitions=settings.partitions,
        replicas=settings.replication_factor,
    )


class Agent:
    """What every stage's agent shares: its spec, settings, context, topics and metrics."""

    #: Per-stage series that exist from the start (0, not absent) for dashboards and alerts.
    SERIES: ClassVar[tuple[Any, ...]] = (PROCESSED, DEAD_LETTERED, LATENCY, DUPLICATES, RECONCILED, GAPS)

    def __init__(self, app: faust.App, spec: StageSpec, settings: Settings, context: StageContext):
        self.app = app
        self.spec = spec
        self.settings = settings
        self.context = context
        self.source = raw_topic(app, spec.source, settings)
        self.sender = Sender(app, {name: raw_topic(app, name, settings) for name in spec.output_topics})
        for series in self.SERIES:
            series.labels(spec.name)
        self._started_at = time.monotonic()

    @property
    def max_input_bytes(self) -> int:
        """What enters the pipeline is bounded by MARSAD_MAX_MESSAGE_BYTES; records between
        stages (larger: offsets, matching forms, annotations) by MARSAD_MAX_RECORD_BYTES."""
        if self.spec.input_limit == InputLimit.MESSAGE:
            return self.settings.max_message_bytes
        return self.settings.max_record_bytes

    @property
    def last_event_at(self) -> float:
        """When (``time.monotonic``) the agent last took or finished a message; the health check reads it."""
        return self._started_at

    def register(self) -> None:
        raise NotImplementedError


class StageAgent(Agent):
    """A record-in/record-out stage: handle, send (through the gate when once), acknowledge."""

    def __init__(self, app: faust.App, spec: StageSpec, settings: Settings, context: StageContext):
        super().__init__(app, spec, settings, context)
        self.gate = PublishGate(app, settings, spec, context.pipeline_version) if spec.gated_topics else None
        self.guard = DeliveryGuard(app, spec.name, spec.source)

    @property
    def last_event_at(self) -> float:
        return time.monotonic() if self.guard.busy else self.guard.last_event_at

    def register(self) -> None:
        """The agent on the source topic and the delivery guard's timer."""
        self.app.timer(interval=DeliveryGuard.CHECK_INTERVAL, name=f"marsad.{self.spec.name}.delivery-guard")(
            self.check_delivery
        )
        self.app.agent(self.source, name=f"marsad.{self.spec.name}")(self.process)

    async def process(self, stream: faust.StreamT) -> None:
        """Inputs in batches (:func:`~streams.runtime.batches.batches`), each acknowledged
        only after its outputs are (``docs/delivery.md``)."""
        async for batch in batches(stream, self.settings.batch_max):
            for event in batch:
                await self.guard.delivered(event.message)
            try:
                await self.handle_batch(batch)
            except asyncio.CancelledError:
                raise  # not acknowledged: re-delivered after the restart
            except Exception as error:
                log.exception(
                    "stage %s cannot publish; stopping the worker (the messages will be re-delivered)", self.spec.name
                )
                await self.app.crash(error)
                raise
            finally:
                self.guard.done()
            for event in batch:
                await stream.ack(event)

    async def handle_batch(self, events: list[Any]) -> None:
        """A batch of input events: each handled and its outputs handed to the producer
        (:meth:`_hand_over`), then every output of the batch awaited together, then per
        input in order: the gate's record written, or the input dead-lettered."""
        stage = self.spec.name
        started = time.perf_counter()
        in_batch: set[tuple[str, bytes | None]] = set()
        handed = []
        for event in events:
            handed.append(await self._hand_over(event, in_batch))
            await asyncio.sleep(0)  # let the producer and the consumer run between inputs
        await self.sender.settle([f for _, _, flight, gated in handed for f in (flight, gated) if f is not None])
        for event, outcome, flight, gated in handed:
            message = event.message
            try:
                flight.acknowledged()
                if gated is not None and self.gate is not None:
                    sent = gated.acknowledged()
                    as_current(event)
                    assert outcome.article_id is not None
                    self.gate.record(outcome.article_id, message.partition, list(zip(gated.messages, sent)))
            except OutputRejected as rejected:
                await self.dead_letter_output(message, rejected)
            else:
                if outcome.failed:
                    FAILED.labels(stage, outcome.failed).inc()
                    DEAD_LETTERED.labels(stage).inc()
                else:
                    PROCESSED.labels(stage).inc()
            LATENCY.labels(stage).observe(time.perf_counter() - started)

    async def _hand_over(self, event: Any, in_batch: set[tuple[str, bytes | None]]) -> tuple[Any, Any, InFlight, InFlight | None]:
        """One input handled; its outputs handed to the producer, not awaited.

        Gated outputs go through the publish-once gate with the input as Faust's current
        event (the gate's table lives in its partition); a second copy of an article
        version in the same batch (``in_batch``) sends none: the first copy's are in flight.
        """
        message = event.message
        outcome = handle_message(
            self.spec,
            message.key,
            message.value,
            self.context,
            max_bytes=self.max_input_bytes,
            partition=message.partition,
            offset=message.offset,
            max_payload_bytes=self.settings.max_message_bytes,
            budget=self.settings.processing_budget,
        )
        always = [m for m in outcome.messages if not m.once]
        once = [m for m in outcome.messages if m.once]
        if not once or self.gate is None:
            return event, outcome, await self.sender.start(always + once), None
        flight = await self.sender.start(always)
        article_id = outcome.article_id
        assert article_id is not None  # every processed message names its article
        as_current(event)
        await self.gate.ensure_reconciled(message.partition)
        version = (article_id, once[0].revision)
        fresh = [] if version in in_batch else self.gate.unpublished(article_id, once)
        in_batch.add(version)
        if len(fresh) < len(once):
            DUPLICATES.labels(self.spec.name).inc(len(once) - len(fresh))
        return event, outcome, flight, await self.sender.start(fresh, partition=message.partition)

    async def dead_letter_output(self, message: Any, rejected: OutputRejected) -> None:
        """The input whose output the broker refused for good goes to the dead-letter topic."""
        letter = output_failed(
            self.spec,
            message.key,
            message.value,
            rejected.error,
            self.context,
            output_topic=rejected.message.topic,
            output_bytes=len(rejected.message.value),
            partition=message.partition,
            offset=message.offset,
            max_payload_bytes=self.settings.max_message_bytes,
        )
        await self.sender.send([letter])
        FAILED.labels(self.spec.name, type(rejected.error).__name__).inc()
        DEAD_LETTERED.labels(self.spec.name).inc()

    async def check_delivery(self) -> None:
        """Timer: seek back partitions whose fetched records never reached the idle agent."""
        await self.guard.check_idle_partitions()


def as_current(event: Any) -> None:
    """Make ``event`` Faust's current event in this task: a table write goes to its partition."""
    _current_event.set(weakref.ref(event))


#: Stage kind → the agent class that runs it.
AGENT_KINDS: dict[str, type[Agent]] = {Kind.MAP: StageAgent}


def _agent_class(kind: str) -> type[Agent]:
    """The agent class of a kind; the aggregator's and the sink's live in their own modules."""
    if kind not in AGENT_KINDS:
        from streams.runtime.sink_agent import SinkAgent
        from streams.runtime.stories_agent import AggregateAgent

        AGENT_KINDS.update({Kind.AGGREGATE: AggregateAgent, Kind.SINK: SinkAgent})
    return AGENT_KINDS[kind]


def register_agents(app: faust.App, settings: Settings, specs: list[StageSpec], context: StageContext) -> list[Agent]:
    """One agent per spec, of the class its kind names."""
    agents = []
    for spec in specs:
        agent = _agent_class(spec.kind)(app, spec, settings, context)
        agent.register()
        agents.append(agent)
    return agents
