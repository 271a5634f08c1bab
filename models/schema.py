"""JSON Schema export of every topic's record."""

from __future__ import annotations

from pathlib import Path

import orjson

from models.base import SCHEMA_VERSION, Record
from streams.stages.spec import topic_records

#: Topic → record model, as the stage specs declare them (topics are named once, there).
TOPIC_RECORDS: dict[str, type[Record]] = topic_records()


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
