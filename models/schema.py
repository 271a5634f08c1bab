"""JSON Schema export of every topic's record."""

from __future__ import annotations

from pathlib import Path

import orjson

from models.annotations import PloverEvent
from models.article import NormalisedArticle, RawArticle
from models.base import SCHEMA_VERSION, Record
from models.enriched import DeadLetter, EnrichedArticle, EntitiesArticle, EventsArticle

#: Topic → record model.
TOPIC_RECORDS: dict[str, type[Record]] = {
    "marsad.articles.raw": RawArticle,
    "marsad.articles.normalised": NormalisedArticle,
    "marsad.articles.entities": EntitiesArticle,
    "marsad.articles.events": EventsArticle,
    "marsad.articles.enriched": EnrichedArticle,
    "marsad.articles.dlq": DeadLetter,
    "marsad.events.plover": PloverEvent,
}


def topic_schema(topic: str) -> dict[str, object]:
    model = TOPIC_RECORDS[topic]
    schema = model.model_json_schema(mode="serialization")
    schema["$id"] = f"https://marsad.example/schemas/{SCHEMA_VERSION}/{topic}.json"
    schema["x-topic"] = topic
    schema["x-schema-version"] = SCHEMA_VERSION
    return schema


def write_schemas(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for topic in TOPIC_RECORDS:
        path = directory / f"{topic}.schema.json"
        path.write_bytes(orjson.dumps(topic_schema(topic), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
        written.append(path)
    return written
