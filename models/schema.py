"""JSON Schema (draft 2020-12) export of every topic's record: the published contract.

Each schema is self-contained (``$defs``), carries ``$schema``, an ``$id`` and a description
on every field. The ``$id`` is a URN naming the topic and schema version unless a base URL
is given (``marsad schema --base-url https://host/path``), for schemas served over HTTP.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from models.base import SCHEMA_VERSION, Record
from streams.stages.spec import topic_records

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

#: Topic → record model: the topics the stage specs declare (named once, there).
TOPIC_RECORDS: dict[str, type[Record]] = topic_records()


def schema_id(topic: str, base_url: str | None = None) -> str:
    """The ``$id`` of a topic's schema: a URN, or a URL under ``base_url``."""
    if base_url:
        return f"{base_url.rstrip('/')}/{SCHEMA_VERSION}/{topic}.schema.json"
    return f"urn:marsad:schema:{topic}:{SCHEMA_VERSION}"


def topic_schema(topic: str, base_url: str | None = None) -> dict[str, Any]:
    model = TOPIC_RECORDS[topic]
    body = model.model_json_schema(mode="serialization")
    schema: dict[str, Any] = {"$schema": JSON_SCHEMA_DIALECT, "$id": schema_id(topic, base_url)}
    schema.update(body)
    schema.setdefault("description", (model.__doc__ or "").strip())
    schema["x-topic"] = topic
    schema["x-schema-version"] = SCHEMA_VERSION
    return schema


def write_schemas(directory: Path, base_url: str | None = None) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for topic in TOPIC_RECORDS:
        path = directory / f"{topic}.schema.json"
        path.write_bytes(orjson.dumps(topic_schema(topic, base_url), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
        written.append(path)
    return written
