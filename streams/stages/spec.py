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
    Story,
)
from models.base import Record
from streams.backends import Backends
from streams.io.topics import DLQ, ENRICHED, ENTITIES, EVENTS, NORMALISED, PLOVER, PLOVER_BY_CATEGORY, RAW, STORIES
from streams.knowledge import Knowledge, load_knowledge
from streams.stages import entities, events, normalise, plover, stance, stories
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
    #: Folds its input into state kept in changelogged tables and publishes what changed
    #: (``streams.runtime.stories_agent.AggregateAgent``); the spec's ``aggregation`` says how.
    AGGREGATE = "aggregate"
    #: Writes its inputs outside Kafka, into a database (``sink=None``;
    #: ``streams.runtime.sink_agent.SinkAgent``); the spec's ``writer`` opens it.
    SINK = "sink"


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
class Aggregation:
    """How a stateful stage keeps its state and folds one input record into it.

    The input topic is keyed for another purpose (PLOVER events by article id), so the
    agent first re-keys every record by ``regroup(record)`` onto ``repartition``: every
    record that may change one piece of state then reaches the partition — and the
    worker — holding it. The state is ``state(**mappings)`` over one mapping per name in
    ``tables``, each backed by a changelogged table (so it survives a crash and moves on
    rebalance). ``apply(state, record)`` returns the changed output record, or None for
    a record already counted; ``replay(state, record)`` then gives the output's current
    state, republished so a crash between the table write and the send loses nothing
    (the output topic is compacted and carries full states: no publish-once gate).
    """

    repartition: str
    regroup: Callable[[Any], str]
    tables: tuple[str, ...]
    state: Callable[..., Any]
    apply: Callable[[Any, Any], tuple[Any, Record | None]]
    replay: Callable[[Any, Any], Record | None]
    #: The output message key (the story id).
    key: Callable[[Any], str]


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
    #: Further topics a stage reads (a sink of several record kinds), with their records.
    also_reads: tuple[tuple[str, type[Record]], ...] = ()
    #: The sink topic is log-compacted (full states keyed by id: the latest per key is kept).
    compacted: bool = False
    #: ``Kind.AGGREGATE``: how the state is kept and updated.
    aggregation: Aggregation | None = None
    #: ``Kind.SINK``: ``writer(settings)`` opens what the records are written to; it has
    #: ``async handle(values) -> counts`` with ``counts.rejected`` / ``counts.skipped``.
    writer: Callable[[Any], Any] | None = None

    @property
    def input_topics(self) -> tuple[str, ...]:
        """Every topic the stage reads from outside (its source first)."""
        return (self.source, *(topic for topic, _ in self.also_reads))

    @property
    def internal_topics(self) -> tuple[str, ...]:
        """Topics only the stage itself reads and writes (an aggregation's repartition topic)."""
        return (self.aggregation.repartition,) if self.aggregation else ()

    @property
    def topics(self) -> tuple[str, ...]:
        """Every topic the stage's worker needs to exist."""
        return tuple(dict.fromkeys((*self.input_topics, *self.internal_topics, *self.output_topics)))

    @property
    def gated_topics(self) -> tuple[str, ...]:
        """Topics this stage publishes once (its publish-once gate guards them)."""
        sink = (self.sink,) if self.once and self.sink else ()
        return sink + tuple(side.topic for side in self.side_outputs if side.once)

    @property
    def output_topics(self) -> tuple[str, ...]:
        """Every topic the stage writes, the dead-letter topic included."""
        sink = (self.sink,) if self.sink else ()
        return sink + tuple(side.topic for side in self.side_outputs) + self.internal_topics + (DLQ,)

    def keyed_by_article(self, topic: str) -> bool:
        """True when ``topic`` holds one record per article key (the sink), False for side outputs."""
        return topic == self.sink


def _store_writer(settings: Any) -> Any:
    """The dashboard's DuckDB store (``MARSAD_STORE``) behind its Kafka sink; imported when a store worker starts."""
    from streams.dashboard.sink import StoreSink
    from streams.dashboard.store import Store, default_store_path

    return StoreSink(Store(default_store_path(settings)))


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
        StageSpec(
            "stories",
            PloverEvent,
            PLOVER,
            Story,
            STORIES,
            None,
            kind=Kind.AGGREGATE,
            compacted=True,
            aggregation=Aggregation(
                repartition=PLOVER_BY_CATEGORY,
                # one story's events share a category: at most 16 keys (see the README)
                regroup=lambda event: event.event[0].value,
                tables=("stories", "members", "by_type"),
                state=stories.StoryState,
                apply=stories.apply,
                replay=lambda state, event: stories.story_of(state, event.id),
                key=lambda story: story.id,
            ),
        ),
        StageSpec(
            "store",
            EnrichedArticle,
            ENRICHED,
            None,
            None,
            None,
            kind=Kind.SINK,
            also_reads=((PLOVER, PloverEvent), (STORIES, Story)),
            writer=_store_writer,
        ),
    )
}
STAGE_NAMES: tuple[str, ...] = tuple(STAGES)


def topic_records() -> dict[str, type[Record]]:
    """Every topic the stages read or write, with its record type (the dead letters last)."""
    records: dict[str, type[Record]] = {}
    for spec in STAGES.values():
        records.setdefault(spec.source, spec.input)
        for topic, record in spec.also_reads:
            records.setdefault(topic, record)
        if spec.sink and spec.output:
            records.setdefault(spec.sink, spec.output)
        for side in spec.side_outputs:
            records.setdefault(side.topic, side.record)
    records[DLQ] = DeadLetter
    return records


#: Every topic of the contract (``marsad topics create`` makes them all, and the internal ones).
TOPICS: tuple[str, ...] = tuple(topic_records())
#: Topics a stage keeps to itself (a repartition topic): created with the others, not published.
INTERNAL_TOPICS: tuple[str, ...] = tuple(topic for spec in STAGES.values() for topic in spec.internal_topics)
#: The topics created log-compacted.
COMPACTED: tuple[str, ...] = tuple(spec.sink for spec in STAGES.values() if spec.compacted and spec.sink)


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
