"""JSON Schema export: one valid schema per topic."""

from __future__ import annotations

from pathlib import Path

import orjson

from models import SCHEMA_VERSION
from models.schema import TOPIC_RECORDS, topic_schema, write_schemas
from streams.stages.spec import TOPICS


def test_one_record_per_topic() -> None:
    assert set(TOPIC_RECORDS) == set(TOPICS)
    assert len(TOPIC_RECORDS) == 7


def test_write_schemas_writes_one_valid_schema_per_topic(tmp_path: Path) -> None:
    written = write_schemas(tmp_path / "schemas")
    assert len(written) == 7
    topics = set()
    for path in written:
        assert path.parent == tmp_path / "schemas"
        schema = orjson.loads(path.read_bytes())
        topic = schema["x-topic"]
        topics.add(topic)
        assert path.name == f"{topic}.schema.json"
        assert schema["x-schema-version"] == SCHEMA_VERSION
        assert schema["type"] == "object"
        assert "properties" in schema and schema["properties"]
        assert topic in schema["$id"]
        _check_is_a_json_schema(schema)
    assert topics == set(TOPICS)


_TYPES = {"object", "array", "string", "number", "integer", "boolean", "null"}


def _check_is_a_json_schema(schema: dict) -> None:
    """Structural validity: known types, resolvable $refs, required fields that exist."""
    definitions = schema.get("$defs", {})

    def walk(node: object) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        kind = node.get("type")
        if kind is not None:
            kinds = kind if isinstance(kind, list) else [kind]
            assert set(kinds) <= _TYPES, kind
        ref = node.get("$ref")
        if ref is not None:
            assert ref.startswith("#/$defs/") and ref.removeprefix("#/$defs/") in definitions, ref
        if "properties" in node:
            assert isinstance(node["properties"], dict)
            assert set(node.get("required", [])) <= set(node["properties"])
        for key, value in node.items():
            if key in ("properties", "$defs", "patternProperties"):
                for subschema in value.values():  # a map of names to schemas
                    assert isinstance(subschema, dict)
                    walk(subschema)
            elif key not in ("enum", "const", "default", "examples", "required", "title", "description"):
                walk(value)

    walk(schema)
    orjson.loads(orjson.dumps(schema))  # plain JSON


def test_schemas_describe_the_contract_fields() -> None:
    enriched = topic_schema("marsad.articles.enriched")
    for field in ("id", "entities", "events", "stance", "schema_version", "pipeline_version", "source"):
        assert field in enriched["properties"]
    raw = topic_schema("marsad.articles.raw")
    assert "text" in raw["required"]
    dlq = topic_schema("marsad.articles.dlq")
    assert {"stage", "error", "message", "payload", "time"} <= set(dlq["required"]) | set(dlq["properties"])
