"""The records: JSON round trips, strictness, schema versions."""

from __future__ import annotations

from datetime import datetime, timezone

import orjson
import pytest
from pydantic import ValidationError

from models import SCHEMA_VERSION, DeadLetter, Entity, Mention, RawArticle, Source, Stance
from models.base import UnknownSchemaVersion, check_schema_version


def test_raw_article_round_trip() -> None:
    raw = RawArticle(
        id="x1",
        title="عنوان",
        text="نص الخبر",
        source=Source(name="wire", url="https://example.org/1", file="a.txt"),
        published_at=datetime(2025, 6, 1, 8, 30, tzinfo=timezone.utc),
    )
    data = raw.to_json()
    assert RawArticle.from_json(data) == raw
    document = orjson.loads(data)
    assert document["schema_version"] == SCHEMA_VERSION
    assert document["title"] == "عنوان"  # UTF-8 JSON, not escaped
    assert "عنوان".encode() in data


def test_unknown_major_schema_version_is_refused() -> None:
    with pytest.raises(UnknownSchemaVersion):
        RawArticle.from_json(orjson.dumps({"schema_version": "9.0", "text": "نص"}))
    with pytest.raises(UnknownSchemaVersion):
        RawArticle.from_dict({"schema_version": "2", "text": "نص"})


def test_a_newer_minor_version_with_unknown_fields_is_read() -> None:
    major = SCHEMA_VERSION.split(".")[0]
    raw = RawArticle.from_json(orjson.dumps({"schema_version": f"{major}.7", "text": "نص", "sentiment": "new field"}))
    assert raw.text == "نص"
    assert not hasattr(raw, "sentiment")


def test_missing_schema_version_is_read() -> None:
    check_schema_version({"text": "نص"})
    check_schema_version(["not", "a", "dict"])
    assert RawArticle.from_json(b'{"text": "\xd9\x86\xd8\xb5"}').schema_version == SCHEMA_VERSION


def test_text_is_required_and_json_must_parse() -> None:
    with pytest.raises(ValidationError):
        RawArticle.from_json(b'{"title": "x"}')
    with pytest.raises(orjson.JSONDecodeError):
        RawArticle.from_json(b"{not json")


def test_nested_parts_ignore_unknown_fields_of_a_newer_minor_version() -> None:
    major = SCHEMA_VERSION.split(".")[0]
    raw = RawArticle.from_dict(
        {"schema_version": f"{major}.1", "text": "نص", "source": {"name": "wire", "author": "a new 1.1 field"}}
    )
    assert raw.source.name == "wire" and not hasattr(raw.source, "author")
    mention = Mention.model_validate({"text": "x", "start": 0, "end": 1, "confidence": 0.9})
    assert mention == Mention(text="x", start=0, end=1)
    entity = Entity.model_validate(
        {"canonical": "X", "type": "PER", "wikidata": "Q1", "mentions": [{"text": "x", "start": 0, "end": 1, "new": 1}]}
    )
    assert entity.mentions == [mention]


def test_annotation_parts_validate_their_values() -> None:
    with pytest.raises(ValidationError):
        Entity(canonical="X", type="PERSON", mentions=[])  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Entity(canonical="X", type="PER", camp="nato", mentions=[])  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Stance(label="supportive", score=1.5, evidence=[])
    with pytest.raises(ValidationError):
        Stance(label="positive", score=0.5, evidence=[])  # type: ignore[arg-type]


def test_dead_letter_round_trip() -> None:
    letter = DeadLetter(
        stage="normalise",
        error="NotArabic:not_arabic",
        message="article is not in Arabic",
        payload="{}",
        time=datetime(2025, 6, 1, tzinfo=timezone.utc),
        pipeline_version="test",
    )
    assert DeadLetter.from_json(letter.to_json()) == letter
    assert letter.to_dict()["payload_encoding"] == "utf-8"
