"""JSON Schema export: one valid schema per topic."""

from __future__ import annotations

from pathlib import Path

import orjson

from models import SCHEMA_VERSION
from models.schema import TOPIC_RECORDS, topic_schema, write_schemas
from streams.stages.spec import TOPICS
from streams.stages.stories import STORIES


def test_one_record_per_topic() -> None:
    assert set(TOPIC_RECORDS) == set(TOPICS) | {STORIES}
    assert len(TOPIC_RECORDS) == 8


def test_write_schemas_writes_one_valid_schema_per_topic(tmp_path: Path) -> None:
    written = write_schemas(tmp_path / "schemas")
    assert len(written) == len(TOPIC_RECORDS)
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
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"] == f"urn:marsad:schema:{topic}:{SCHEMA_VERSION}"
        _check_is_a_json_schema(schema)
    assert topics == set(TOPIC_RECORDS)


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


def _properties(schema: dict) -> list[tuple[str, dict]]:
    nodes = [(schema.get("title", "record"), schema)] + list(schema.get("$defs", {}).items())
    return [(f"{owner}.{name}", prop) for owner, node in nodes for name, prop in node.get("properties", {}).items()]


def test_every_field_of_every_topic_has_a_description() -> None:
    for topic in TOPIC_RECORDS:
        schema = topic_schema(topic)
        assert schema["description"], topic
        undocumented = [name for name, prop in _properties(schema) if not prop.get("description")]
        assert undocumented == [], topic


def test_closed_vocabularies_are_enums() -> None:
    plover = topic_schema("marsad.events.plover")
    defs = plover["$defs"]
    assert "OTHER" not in defs["PloverCategory"]["enum"] and "CONSULT" in defs["PloverCategory"]["enum"]
    assert "visit" in plover["properties"]["mode"]["items"]["enum"]
    assert "host" not in plover["properties"]["mode"]["items"]["enum"]
    assert "political" not in plover["properties"]["context"]["items"]["enum"]
    assert set(defs["QuadCode"]["enum"]) == {1, 2, 3, 4}
    assert set(plover["properties"]["date_source"]["enum"]) == {"event_time", "published", "processed"}
    entity = defs["PloverEntity"]["properties"]
    assert set(entity["camp"]["anyOf"][0]["enum"]) == {"haftar", "gnu", "turkey", "russia"}
    dlq = topic_schema("marsad.articles.dlq")
    assert set(dlq["properties"]["payload_encoding"]["enum"]) == {"utf-8", "base64", "none"}


def test_a_base_url_gives_http_ids(tmp_path: Path) -> None:
    written = write_schemas(tmp_path, base_url="https://schemas.example.net/marsad/")
    ids = {orjson.loads(path.read_bytes())["$id"] for path in written}
    assert f"https://schemas.example.net/marsad/{SCHEMA_VERSION}/marsad.events.stories.schema.json" in ids


def test_every_schema_is_a_valid_draft_2020_12_schema() -> None:
    from jsonschema import Draft202012Validator

    for topic in TOPIC_RECORDS:
        Draft202012Validator.check_schema(topic_schema(topic))  # raises SchemaError when not
