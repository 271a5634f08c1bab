"""Bad input never stops the stream (issue 4).

Every case ends as one record on ``marsad.articles.dlq`` (original payload, error class,
readable message, stage, time) while an article published before it and one published
after it *on the same partition* come through enriched. All cases are published in one
batch (module fixture) so they share one wait.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import orjson
import pytest

from models import DeadLetter
from models.base import SCHEMA_VERSION
from streams.io.topics import DLQ, ENRICHED, NORMALISED, RAW

from .support import keyed, partition_for, publish, sample_articles, variants

pytestmark = pytest.mark.integration

#: The documented defaults the shared pipeline runs with.
MAX_ARTICLE_CHARS = 200_000
MAX_MESSAGE_BYTES = 1_000_000


@dataclass
class Case:
    name: str
    value: bytes
    error: str  # error class the dead letter names
    stage: str = "normalise"
    topic: str = RAW
    message_contains: str = ""
    details: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"bad-{self.name}"


def _text(repeat: int = 1) -> str:
    return "\n".join(a.text for a in sample_articles()) * repeat


def cases() -> list[Case]:
    unit = _text()
    big = _text(MAX_ARTICLE_CHARS // len(unit) + 1)  # just over the character limit, well under the byte limit
    huge = orjson.dumps({"id": "bad-too-many-bytes", "text": _text(MAX_MESSAGE_BYTES // len(unit.encode()) + 5)})
    assert len(big) > MAX_ARTICLE_CHARS and len(orjson.dumps({"text": big})) < MAX_MESSAGE_BYTES
    assert len(huge) > MAX_MESSAGE_BYTES
    english = "The delegation met in the capital on Tuesday to discuss the ceasefire and the elections. " * 5
    return [
        Case("invalid-json", b'{"id": "bad-invalid-json", "text": "\xd8\xb7\xd8\xb1\xd8\xa7', "JSONDecodeError", message_contains="JSON"),
        Case("no-text", orjson.dumps({"id": "bad-no-text", "title": "عنوان بلا نص"}), "ValidationError", message_contains="text"),
        Case("empty-text", orjson.dumps({"id": "bad-empty-text", "text": ""}), "ArticleRejected", message_contains="no text"),
        Case("not-arabic", orjson.dumps({"id": "bad-not-arabic", "text": english}), "ArticleRejected", message_contains="not in Arabic"),
        Case(
            "too-many-chars", orjson.dumps({"id": "bad-too-many-chars", "text": big}), "ArticleTooLarge",
            message_contains=f"the limit is {MAX_ARTICLE_CHARS}",
        ),
        Case(
            "too-many-bytes", huge, "ArticleTooLarge", message_contains=f"exceeds the limit of {MAX_MESSAGE_BYTES}",
            details={"payload_truncated": True, "payload_bytes": len(huge)},
        ),
        Case("binary", bytes(range(256)) * 8, "JSONDecodeError"),
        Case(
            "unknown-schema",
            orjson.dumps({"schema_version": "9.0", "id": "bad-unknown-schema", "text": sample_articles()[0].text}),
            "UnknownSchemaVersion", message_contains="9.0",
        ),
        Case(
            "normalised-garbage",
            orjson.dumps({"schema_version": SCHEMA_VERSION, "id": "bad-normalised-garbage", "text": "نص", "sentences": "many"}),
            "ValidationError", stage="entities", topic=NORMALISED, message_contains="record does not match the schema",
        ),
    ]


ERROR_CLASSES = {
    # ArticleRejected subclasses name themselves with their reason: "EmptyArticle:empty"
    "ArticleRejected": ("EmptyArticle", "NotArabic"),
}


@pytest.fixture(scope="module")
def outcome(pipeline, watcher) -> dict[str, Case]:
    """Publish, per case: a good article, the bad message, a good article; wait for all."""
    started = datetime.now(timezone.utc)
    all_cases = cases()
    good = []
    for case in all_cases:
        before, after = variants(f"around-{case.name}", 2)
        good += [before.id, after.id]
        if case.topic == RAW:
            partition = partition_for(case.key.encode(), pipeline.partitions)
            publish(pipeline.settings, keyed([before]), partition=partition)
            publish(pipeline.settings, [(case.key.encode(), case.value)], partition=partition)
            publish(pipeline.settings, keyed([after]), partition=partition)
        else:
            # the downstream stage must meet the garbage, then the article after it, on one partition
            publish(pipeline.settings, keyed([before]))
            partition = partition_for(after.id.encode(), pipeline.partitions)  # type: ignore[union-attr]
            publish(pipeline.settings, [(case.key.encode(), case.value)], topic=case.topic, partition=partition)
            publish(pipeline.settings, keyed([after]))
    watcher.wait_keys(DLQ, [c.key for c in all_cases], timeout=90)
    watcher.wait_keys(ENRICHED, good, timeout=90)
    return {"started": started, **{c.name: c for c in all_cases}}  # type: ignore[dict-item]


def _letter(watcher, case: Case) -> tuple[DeadLetter, dict]:
    records = watcher.by_key(DLQ, case.key)
    assert len(records) == 1, f"{case.name}: {len(records)} dead letter(s)"
    letter = DeadLetter.from_json(records[0].value)
    return letter, dict(records[0].headers)


@pytest.mark.parametrize("name", [c.name for c in cases()])
def test_bad_message_is_dead_lettered_and_the_stream_goes_on(name, outcome, watcher) -> None:
    case: Case = outcome[name]
    letter, headers = _letter(watcher, case)
    # the stage and where the message came from
    assert letter.stage == case.stage
    assert letter.topic == case.topic
    assert letter.partition is not None and letter.offset is not None
    # the error class, and a message a person can read
    error_class = letter.error.split(":")[0]
    assert error_class in ERROR_CLASSES.get(case.error, (case.error,)), letter.error
    assert letter.message and "Traceback" not in letter.message
    assert case.message_contains in letter.message, letter.message
    # when: now-ish, with a time zone
    assert letter.time.tzinfo is not None
    assert outcome["started"] - timedelta(seconds=5) <= letter.time <= datetime.now(timezone.utc) + timedelta(seconds=5)
    # the original payload, intact (or its first MAX_MESSAGE_BYTES when it was bigger)
    original = case.value
    if case.details.get("payload_truncated"):
        assert letter.details["payload_truncated"] is True
        assert letter.details["payload_bytes"] == case.details["payload_bytes"]
        original = case.value[: len(letter.payload.encode())]
        assert MAX_MESSAGE_BYTES - 4 <= len(original) <= MAX_MESSAGE_BYTES
    if letter.payload_encoding == "base64":
        assert base64.b64decode(letter.payload) == original
    else:
        assert letter.payload_encoding == "utf-8"
        assert letter.payload.encode() == original
    assert letter.key == case.key
    assert headers["marsad-stage"] == case.stage.encode()
    # the articles around it were not held up
    keys = watcher.keys(ENRICHED)
    assert keys[f"around-{name}-0"] == 1 and keys[f"around-{name}-1"] == 1


def test_the_largest_accepted_article_comes_through(pipeline, watcher) -> None:
    """Just under MARSAD_MAX_ARTICLE_CHARS: its records between stages exceed 1 MB, and pass."""
    base = variants("largest", 1)[0]
    text = _text(MAX_ARTICLE_CHARS // len(_text()) + 1)[: MAX_ARTICLE_CHARS - 1_000]
    article = base.model_copy(update={"text": text, "title": None})
    publish(pipeline.settings, keyed([article]))
    watcher.wait_keys(ENRICHED, [article.id], timeout=90)
    (record,) = watcher.by_key(ENRICHED, article.id)
    assert len(record.value) > 1_000_000
    assert not watcher.by_key(DLQ, article.id)


def test_binary_garbage_survives_as_base64(outcome, watcher) -> None:
    letter, _ = _letter(watcher, outcome["binary"])
    assert letter.payload_encoding == "base64"
    assert base64.b64decode(letter.payload) == bytes(range(256)) * 8
