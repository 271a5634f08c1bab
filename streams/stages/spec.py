"""One declaration per stage: what it reads and writes, how it runs, what it publishes once.

Everything around the stages reads these specs — the worker agents, message handling, the
topic list, schema export, the CLI, the benchmark — so no code branches on a stage's name.
Adding a record-in/record-out stage is one module with ``run(record, context)`` plus one
:class:`StageSpec` in :data:`STAGES`. A stage of another shape (a stateful aggregator, a
sink into a database) declares a ``kind`` the worker runtime maps to its own agent class
(see ``streams/runtime/agent.py`` and the README's architecture section).

The specs are plain data over pure functions: no Faust here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import StrEnum
from typing import Any

from models import (
    DeadLetter,
    EnrichedArticle,
    EntitiesArticle,
    EventsArticle,
    NormalisedArticle,
    PloverEvent,
    RawArticle,
)
from models.base import Record
from streams.backends import Backends
from streams.io.topics import DLQ, ENRICHED, ENTITIES, EVENTS, NORMALISED, PLOVER, RAW
from streams.knowledge import Knowledge, load_knowledge
from streams.stages import entities, events, normalise, plover, stance
from streams.stages.normalise import DEFAULT_MAX_CHARS


@dataclass(frozen=True, slots=True)
class StageContext:
    """What a stage may need beyond its input record (the same for workers and offline runs)."""

    pipeline_version: str
    max_chars: int = DEFAULT_MAX_CHARS
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    backends: Backends = field(default_factory=Backends)
    #: The validated knowledge (actors, lexicons, chrome patterns); loaded once per process.
    knowledge: Knowledge = field(default_factory=load_knowledge)


class InputLimit(StrEnum):
    """Which byte limit bounds a stage's input messages (see ``streams.settings``)."""

    #: Input from outside the pipeline: ``MARSAD_MAX_MESSAGE_BYTES``.
    MESSAGE = "message"
    #: Another stage's output (offsets, matching forms, annotations): ``MARSAD_MAX_RECORD_BYTES``.
    RECORD = "record"


class Kind(StrEnum):
    """The shape of a stage, which picks the agent that runs it in a worker."""

    #: One input record in, one output record out (plus side outputs): ``StageAgent``.
    MAP = "map"


@dataclass(frozen=True, slots=True)
class SideOutput:
    """Further records derived from a stage's output, on a topic of their own (PLOVER events).

    Side records share the article's message key; several may come from one article, so
    each is told apart, for publishing once, by its own ``id``.
    """

    topic: str
    record: type[Record]
    derive: Callable[[Any, StageContext], Sequence[Record]]
    #: Consumer-facing: each record published once per id and pipeline version.
    once: bool = False


@dataclass(frozen=True, slots=True)
class StageSpec:
    """A stage: its records and topics, its function, its side outputs and limits."""

    name: str
    input: type[Record]
    source: str
    output: type[Record] | None
    #: The output topic (None for a sink stage that writes outside Kafka).
    sink: str | None
    #: ``run(record, context)`` of the stage module (None when the agent does the work).
    run: Callable[[Any, StageContext], Record] | None
    side_outputs: tuple[SideOutput, ...] = ()
    #: The sink's records are consumer-facing: published once per article and pipeline version.
    once: bool = False
    input_limit: InputLimit = InputLimit.RECORD
    kind: str = Kind.MAP

    @property
    def gated_topics(self) -> tuple[str, ...]:
        """Topics this stage publishes once (its publish-once gate guards them)."""
        sink = (self.sink,) if self.once and self.sink else ()
        return sink + tuple(side.topic for side in self.side_outputs if side.once)

    @property
    def output_topics(self) -> tuple[str, ...]:
        """Every topic the stage writes, the dead-letter topic included."""
        sink = (self.sink,) if self.sink else ()
        return sink + tuple(side.topic for side in self.side_outputs) + (DLQ,)

    def keyed_by_article(self, topic: str) -> bool:
        """True when ``topic`` holds one record per article key (the sink), False for side outputs."""
        return topic == self.sink


STAGES: dict[str, StageSpec] = {
    spec.name: spec
    for spec in (
        StageSpec(
            "normalise", RawArticle, RAW, NormalisedArticle, NORMALISED, normalise.run, input_limit=InputLimit.MESSAGE
        ),
        StageSpec("entities", NormalisedArticle, NORMALISED, EntitiesArticle, ENTITIES, entities.run),
        StageSpec(
            "events",
            EntitiesArticle,
            ENTITIES,
            EventsArticle,
            EVENTS,
            events.run,
            side_outputs=(SideOutput(PLOVER, PloverEvent, plover.run, once=True),),
        ),
        StageSpec("stance", EventsArticle, EVENTS, EnrichedArticle, ENRICHED, stance.run, once=True),
    )
}
STAGE_NAMES: tuple[str, ...] = tuple(STAGES)


def topic_records() -> dict[str, type[Record]]:
    """Every topic the stages read or write, with its record type (the dead letters last)."""
    records: dict[str, type[Record]] = {}
    for spec in STAGES.values():
        records.setdefault(spec.source, spec.input)
        if spec.sink and spec.output:
            records.setdefault(spec.sink, spec.output)
        for side in spec.side_outputs:
            records.setdefault(side.topic, side.record)
    records[DLQ] = DeadLetter
    return records


#: Every Marsad topic (``marsad topics create`` makes them all).
TOPICS: tuple[str, ...] = tuple(topic_records())


def main_line() -> list[StageSpec]:
    """The record-in/record-out stages from the raw topic on, in order: the offline path."""
    line: list[StageSpec] = []
    topic = RAW
    maps = [spec for spec in STAGES.values() if spec.kind == Kind.MAP and spec.run is not None]
    while True:
        following = [spec for spec in maps if spec.source == topic]
        if not following:
            return line
        line.append(following[0])
        if following[0].sink is None:
            return line
        topic = following[0].sink
