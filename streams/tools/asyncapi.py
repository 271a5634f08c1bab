"""The AsyncAPI 3.0 document of every Marsad topic: key, headers, payload, producer, consumers.

``marsad asyncapi`` writes it. Payloads embed the topics' JSON Schemas (draft 2020-12, as
``marsad schema`` writes them) through AsyncAPI's multi-format schema object; Kafka
bindings carry the key schema, partitions, replicas, cleanup policy and consumer groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from models.base import SCHEMA_VERSION
from models.schema import TOPIC_RECORDS, topic_schema
from streams.stages.spec import COMPACTED, STAGES
from streams.stages.stories import STORIES
from streams.io.topics import (
    DLQ,
    ENRICHED,
    ENTITIES,
    EVENTS,
    HEADER_PIPELINE,
    HEADER_RECORD,
    HEADER_REVISION,
    HEADER_SCHEMA,
    HEADER_STAGE,
    NORMALISED,
    PLOVER,
    RAW,
    consumer_group,
)

ASYNCAPI_VERSION = "3.0.0"
KAFKA_BINDING = "0.5.0"
PAYLOAD_FORMAT = "application/schema+json;version=draft-2020-12"


@dataclass(frozen=True, slots=True)
class TopicContract:
    """What the document says about one topic beyond its record schema.

    ``external_producers`` / ``external_consumers`` name the outside world; the Marsad
    stages that write and read the topic come from their specs (``streams.stages.spec``).
    """

    topic: str
    summary: str
    key: str
    external_producers: tuple[str, ...] = ()
    external_consumers: tuple[str, ...] = ()
    headers: bool = True

    @property
    def producers(self) -> tuple[str, ...]:
        stages = [spec.name for spec in STAGES.values() if self.topic in spec.output_topics]
        return (*stages, *self.external_producers)

    @property
    def consumers(self) -> tuple[str, ...]:
        stages = [spec.name for spec in STAGES.values() if self.topic in spec.input_topics]
        return (*stages, *self.external_consumers)

    @property
    def compacted(self) -> bool:
        return self.topic in COMPACTED


_ARTICLE_KEY = "The article id (UTF-8). All records of one article land in one partition, in order."

#: Every topic, in pipeline order.
CONTRACTS: tuple[TopicContract, ...] = (
    TopicContract(
        RAW, "Articles as they enter the pipeline (any producer; `marsad replay` from files).",
        "The article id when the producer has one, else any key; the normaliser re-keys by the stable id.",
        ("external producers", "marsad replay"), headers=False,
    ),
    TopicContract(NORMALISED, "Normalised articles: original text, clean text, sentences, removed chrome.", _ARTICLE_KEY),
    TopicContract(ENTITIES, "Articles with their entities linked to the knowledge base.", _ARTICLE_KEY),
    TopicContract(EVENTS, "Articles with their coded events.", _ARTICLE_KEY),
    TopicContract(ENRICHED, "The published enriched record: entities, events and stance toward the Haftar camp.",
                  _ARTICLE_KEY, external_consumers=("external consumers",)),
    TopicContract(DLQ, "Dead letters: every input a stage could not process, with enough context to replay it.",
                  "The key of the original message (usually the article id).",
                  external_consumers=("operators (marsad tail)",)),
    TopicContract(PLOVER, "One PLOVER record per PLOVER-codable event (JSONL-friendly event data).",
                  "The article id of the event (the event id is the record's `id`): an article's events stay "
                  "together and in order.", external_consumers=("external consumers",)),
    TopicContract(STORIES, "The full current state of each story (one happening across articles and outlets); "
                  "every change republishes it.",
                  "The story id: the topic is compacted, so the latest state per story is kept.",
                  external_consumers=("external consumers",)),
)

_HEADERS: dict[str, str] = {
    HEADER_SCHEMA: "Schema version of the record (major.minor); readers refuse an unknown major version",
    HEADER_PIPELINE: "Version of the pipeline and its knowledge files that wrote the record",
    HEADER_STAGE: "The stage that wrote the record",
    HEADER_RECORD: "The record name (raw, normalised, entities, events, enriched, dlq, plover, story)",
    HEADER_REVISION: "The content_hash of the article version the record was derived from: a corrected text "
    "(same article id) is a new version, published again; an exact repeat is not",
}


def _package_version() -> str:
    try:
        return version("marsad")
    except PackageNotFoundError:  # running from a source tree without install
        return "0.0.0"


def _name(topic: str) -> str:
    return topic.removeprefix("marsad.").replace(".", "-")


def asyncapi_document(
    *, bootstrap: str = "localhost:9092", partitions: int = 6, replicas: int = 1, base_url: str | None = None
) -> dict[str, Any]:
    """The AsyncAPI 3.0 document (a plain dict, ready for JSON)."""
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for contract in CONTRACTS:
        name = _name(contract.topic)
        model = TOPIC_RECORDS[contract.topic]
        message: dict[str, Any] = {
            "name": model.record_name,
            "title": model.__name__,
            "summary": contract.summary,
            "contentType": "application/json",
            "payload": {"schemaFormat": PAYLOAD_FORMAT, "schema": topic_schema(contract.topic, base_url)},
            "bindings": {
                "kafka": {
                    "key": {"type": "string", "description": contract.key},
                    "bindingVersion": KAFKA_BINDING,
                }
            },
        }
        if contract.headers:
            message["headers"] = {
                "type": "object",
                "properties": {header: {"type": "string", "description": text} for header, text in _HEADERS.items()},
                "required": list(_HEADERS),
            }
        messages[name] = message
        channels[name] = {
            "address": contract.topic,
            "title": contract.topic,
            "summary": contract.summary,
            "description": (
                f"Produced by: {', '.join(contract.producers)}. Consumed by: {', '.join(contract.consumers)}. "
                f"Key: {contract.key} Cleanup policy: {'compact' if contract.compacted else 'delete'}. "
                f"Partitions: {partitions} (every Marsad topic has the same count), chosen by Kafka's default "
                "partitioner (murmur2 of the key)."
            ),
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
            "bindings": {
                "kafka": {
                    "topic": contract.topic,
                    "partitions": partitions,
                    "replicas": replicas,
                    "topicConfiguration": {"cleanup.policy": ["compact" if contract.compacted else "delete"]},
                    "bindingVersion": KAFKA_BINDING,
                }
            },
            "x-producers": list(contract.producers),
            "x-consumers": list(contract.consumers),
            "x-compacted": contract.compacted,
        }
        for producer in contract.producers:
            operations[f"{_slug(producer)}-sends-{name}"] = _operation("send", name, producer, contract)
        for consumer in contract.consumers:
            operations[f"{_slug(consumer)}-receives-{name}"] = _operation("receive", name, consumer, contract)
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "id": "urn:marsad:asyncapi",
        "info": {
            "title": "Marsad topics",
            "version": _package_version(),
            "description": (
                "Kafka topics of the Marsad pipeline over Arabic news about Libya and Turkey: "
                "raw → normalise → entities → events → stance, PLOVER event records and stories. "
                f"Records are UTF-8 JSON, schema version {SCHEMA_VERSION}: readers ignore unknown fields "
                "of a newer minor version and refuse an unknown major version."
            ),
            "license": {"name": "Apache-2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0"},
        },
        "defaultContentType": "application/json",
        "servers": {
            "kafka": {
                "host": bootstrap,
                "protocol": "kafka",
                "description": "The Kafka bootstrap servers (MARSAD_BROKER); the embedded broker is Tansu.",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def _slug(party: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in party).strip("-").lower()


def _operation(action: str, channel: str, party: str, contract: TopicContract) -> dict[str, Any]:
    stage = party if party in STAGES else None
    operation: dict[str, Any] = {
        "action": action,
        "channel": {"$ref": f"#/channels/{channel}"},
        "summary": f"{party} {'publishes to' if action == 'send' else 'reads'} {contract.topic}",
        "messages": [{"$ref": f"#/channels/{channel}/messages/{channel}"}],
    }
    if stage and action == "receive":
        operation["bindings"] = {
            "kafka": {
                "groupId": {"type": "string", "enum": [consumer_group(stage)]},
                "bindingVersion": KAFKA_BINDING,
            }
        }
    if stage:
        operation["x-stage"] = stage
    return operation
