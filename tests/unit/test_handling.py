"""One message through one stage: outputs, or exactly one dead letter."""

from __future__ import annotations

import base64
import dataclasses
from datetime import datetime, timezone

import orjson
import pytest

from models import SCHEMA_VERSION, DeadLetter, EventsArticle, NormalisedArticle, PloverEvent, published_event
from streams.runtime.handling import Outcome, handle_message
from streams.stages.plover import crosswalk
from streams.stages.spec import STAGES, StageContext
from streams.io.topics import (
    DLQ,
    ENRICHED,
    ENTITIES,
    EVENTS,
    HEADER_PIPELINE,
    HEADER_RECORD,
    HEADER_SCHEMA,
    HEADER_STAGE,
    NORMALISED,
    PLOVER,
)

CONTEXT = StageContext(pipeline_version="9.9.9+kb.test", clock=lambda: datetime(2025, 6, 1, tzinfo=timezone.utc))
TEXT = (
    "التقى صدام حفتر وزير الدفاع التركي يشار غولر في أنقرة يوم الجمعة لبحث التعاون العسكري. "
    "ووقع الجانبان مذكرة تفاهم في مجال التدريب."
)
ARTICLE = orjson.dumps({"text": TEXT, "source": {"name": "unit"}})


def _dead_letter(outcome: Outcome, error: str, key: bytes | None = b"k-1") -> dict:
    assert len(outcome.messages) == 1
    (message,) = outcome.messages
    assert message.topic == DLQ
    assert message.key == key
    assert outcome.failed == error
    letter = orjson.loads(message.value)
    for field in ("stage", "error", "message", "payload", "time"):
        assert field in letter, field
    assert letter["error"].split(":")[0] == error
    assert letter["message"]
    DeadLetter.from_json(message.value)  # a valid record
    datetime.fromisoformat(letter["time"])
    headers = dict(message.headers)
    assert headers[HEADER_SCHEMA] == SCHEMA_VERSION.encode()
    assert headers[HEADER_PIPELINE] == CONTEXT.pipeline_version.encode()
    assert headers[HEADER_RECORD] == b"dlq"
    return letter


def test_a_valid_article_goes_to_normalised_keyed_by_its_id() -> None:
    outcome = handle_message("normalise", b"k-1", ARTICLE, CONTEXT, partition=3, offset=42)
    assert outcome.failed is None
    (message,) = outcome.messages
    record = NormalisedArticle.from_json(message.value)
    assert message.topic == NORMALISED
    assert message.key == record.id.encode()
    assert outcome.article_id == record.id
    headers = dict(message.headers)
    assert headers[HEADER_SCHEMA] == SCHEMA_VERSION.encode()
    assert headers[HEADER_PIPELINE] == b"9.9.9+kb.test"
    assert headers[HEADER_STAGE] == b"normalise"
    assert message.once is False


def test_the_id_is_the_same_when_the_message_is_replayed() -> None:
    first = handle_message("normalise", None, ARTICLE, CONTEXT)
    second = handle_message("normalise", b"other-key", ARTICLE, CONTEXT)
    assert first.messages[0].key == second.messages[0].key


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (b"{not json", "JSONDecodeError"),
        (orjson.dumps({"title": "عنوان بلا نص"}), "ValidationError"),
        (orjson.dumps({"text": ""}), "EmptyArticle"),
        (orjson.dumps({"text": "The Turkish defence minister met Libyan officials in Ankara on Friday."}), "NotArabic"),
        (orjson.dumps({"schema_version": "9.0", "text": TEXT}), "UnknownSchemaVersion"),
        (orjson.dumps([TEXT]), "ValidationError"),
    ],
    ids=["invalid-json", "no-text", "empty-text", "not-arabic", "unknown-schema-version", "not-an-object"],
)
def test_bad_input_becomes_one_dead_letter(value: bytes, error: str) -> None:
    outcome = handle_message("normalise", b"k-1", value, CONTEXT, partition=1, offset=7)
    letter = _dead_letter(outcome, error)
    assert letter["stage"] == "normalise"
    assert letter["payload"] == value.decode()
    assert letter["payload_encoding"] == "utf-8"
    assert letter["key"] == "k-1"
    assert (letter["topic"], letter["partition"], letter["offset"]) == ("marsad.articles.raw", 1, 7)
    assert letter["pipeline_version"] == CONTEXT.pipeline_version


def test_validation_errors_say_where() -> None:
    letter = _dead_letter(handle_message("normalise", b"k-1", b'{"title": "x"}', CONTEXT), "ValidationError")
    assert "text" in letter["message"]
    assert any(issue["loc"] == "text" for issue in letter["details"]["errors"])


def test_an_oversized_value_is_refused_before_parsing() -> None:
    outcome = handle_message("normalise", b"k-1", ARTICLE, CONTEXT, max_bytes=len(ARTICLE) - 1)
    letter = _dead_letter(outcome, "ArticleTooLarge")
    assert str(len(ARTICLE)) in letter["message"]
    assert handle_message("normalise", b"k-1", ARTICLE, CONTEXT, max_bytes=len(ARTICLE)).failed is None


def test_binary_garbage_survives_in_base64() -> None:
    garbage = b"\xff\xfe\x00\x81\x9c binary \xc3"
    letter = _dead_letter(handle_message("normalise", b"k-1", garbage, CONTEXT), "JSONDecodeError")
    assert letter["payload_encoding"] == "base64"
    assert base64.b64decode(letter["payload"]) == garbage


def test_a_message_without_value_is_dead_lettered() -> None:
    letter = _dead_letter(handle_message("normalise", None, None, CONTEXT), "ValueError", key=None)
    assert letter["payload_encoding"] == "none"
    assert letter["key"] is None


def test_a_record_the_entities_stage_cannot_parse() -> None:
    # a raw article is not a normalised one
    outcome = handle_message("entities", b"k-1", ARTICLE, CONTEXT)
    letter = _dead_letter(outcome, "ValidationError")
    assert letter["stage"] == "entities"
    assert letter["topic"] == NORMALISED


def _through(stage: str, value: bytes) -> Outcome:
    outcome = handle_message(stage, None, value, CONTEXT)
    assert outcome.failed is None, outcome
    return outcome


def test_events_stage_emits_one_plover_record_per_event() -> None:
    normalised = _through("normalise", ARTICLE).messages[0].value
    entities = _through("entities", normalised).messages[0]
    assert entities.topic == ENTITIES
    outcome = _through("events", entities.value)
    article_message, *plover = outcome.messages
    assert article_message.topic == EVENTS
    article = EventsArticle.from_json(article_message.value)
    assert article.events
    events = [published_event(e, article.text) for e in article.events]  # the evidence, written out
    coded = [(n, e) for n, e in enumerate(events) if crosswalk().code(e) is not None]  # PLOVER drops some
    assert coded and len(plover) == len(coded)
    ids = set()
    for message, (number, event) in zip(plover, coded):
        assert message.topic == PLOVER
        assert message.once is True
        assert message.key == article.id.encode()
        record = PloverEvent.from_json(message.value)
        assert record.id == f"{article.id}-{number}"
        assert record.article_id == article.id
        assert record.marsad_type == event.type
        assert record.cameo == crosswalk().code(event).cameo
        participants = [entity.name for entity in record.actor + record.recipient]
        assert set(participants) == set(event.actors + event.targets)
        assert record.event_text == [event.evidence.text]
        assert record.pipeline_version == CONTEXT.pipeline_version
        ids.add(record.id)
    assert len(ids) == len(plover)

    enriched = _through("stance", article_message.value).messages
    assert [(m.topic, m.once) for m in enriched] == [(ENRICHED, True)]


def test_a_bug_in_a_stage_is_dead_lettered_not_raised() -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    spec = dataclasses.replace(STAGES["normalise"], run=broken)
    letter = _dead_letter(handle_message(spec, b"k-1", ARTICLE, CONTEXT), "RuntimeError")
    assert letter["message"] == "boom"
