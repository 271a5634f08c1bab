"""One message through one stage, transport-free: decode, run, encode, or dead-letter.

The agents (:mod:`streams.runtime.agent`) call :func:`handle_message` for every message and only do the I/O, so every
failure mode (bad JSON, a record a stage cannot read, an unknown schema version, an
article a stage rejects, a bug in a stage) is decided here and unit-tested without Kafka.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

import orjson
from pydantic import ValidationError

from models import SCHEMA_VERSION, DeadLetter
from models.base import Record, UnknownSchemaVersion
from streams.errors import ArticleRejected, ArticleTooLarge
from streams.io.topics import DLQ, HEADER_PIPELINE, HEADER_RECORD, HEADER_REVISION, HEADER_SCHEMA, HEADER_STAGE
from streams.runtime.budget import processing_budget
from streams.stages.spec import STAGES, StageContext, StageSpec

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message to produce.

    ``once``: a consumer-facing record, published once per ``gate_key`` and pipeline
    version (see ``docs/delivery.md``). The gate key is the article id for a stage's
    sink record, and the record's own id for a side output (a PLOVER event), each
    followed by NUL and the ``revision``: the content hash of the article version the
    record was derived from (a corrected text under the same id is a new version, so
    it is published; an exact repeat has the same hash and is not). No id contains NUL.
    """

    topic: str
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    once: bool = False
    gate_key: bytes | None = None
    revision: bytes | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one input message: the messages to send, and whether it failed."""

    messages: list[Outgoing]
    article_id: str | None = None
    failed: str | None = None  # the error class name when the message was dead-lettered


def headers_for(
    stage: str, record: Record, context: StageContext, revision: bytes | None = None
) -> list[tuple[str, bytes]]:
    headers = [
        (HEADER_SCHEMA, SCHEMA_VERSION.encode()),
        (HEADER_PIPELINE, context.pipeline_version.encode()),
        (HEADER_STAGE, stage.encode()),
        (HEADER_RECORD, record.record_name.encode()),
    ]
    if revision is not None:
        headers.append((HEADER_REVISION, revision))
    return headers


def versioned(gate_key: bytes, revision: bytes | None) -> bytes:
    """A gate key of one article version: ``key`` NUL ``revision`` (the key alone without one)."""
    return gate_key if revision is None else gate_key + b"\x00" + revision


def handle_message(
    stage: StageSpec | str,
    key: bytes | None,
    value: bytes | None,
    context: StageContext,
    *,
    max_bytes: int = 1_000_000,
    partition: int | None = None,
    offset: int | None = None,
    max_payload_bytes: int | None = None,
    budget: float | None = None,
) -> Outcome:
    """Run ``stage`` (a spec, or a stage name) on one message value; never raises for bad input.

    ``max_bytes`` bounds the value decoded; ``max_payload_bytes`` (default: the same)
    bounds the payload a dead letter keeps; ``budget`` (seconds of CPU) bounds the stage's
    work on it (see :mod:`streams.runtime.budget`).
    """
    spec = STAGES[stage] if isinstance(stage, str) else stage
    name = spec.name
    source = spec.source
    try:
        if value is None:
            raise ValueError("message has no value")
        if len(value) > max_bytes:
            raise ArticleTooLarge(f"message of {len(value)} bytes exceeds the limit of {max_bytes}")
        if spec.run is None:
            raise TypeError(f"stage {name} has no record function to run")
        record = spec.input.from_json(value)
        with processing_budget(budget):
            result = spec.run(record, context)
            sides = [(side, side.derive(result, context)) for side in spec.side_outputs]
    except Exception as error:  # noqa: BLE001 - every failure becomes a dead letter
        letter = dead_letter(
            name, key, value, error, context,
            topic=source, partition=partition, offset=offset,
            max_payload_bytes=max_bytes if max_payload_bytes is None else max_payload_bytes,
        )
        if not isinstance(error, (ArticleRejected, ValidationError, UnknownSchemaVersion, orjson.JSONDecodeError, ValueError)):
            log.exception("stage %s failed on a message (dead-lettered)", name)
        return Outcome(
            [Outgoing(DLQ, key, letter.to_json(), headers_for(name, letter, context))],
            article_id=key.decode("utf-8", "replace") if key else None,
            failed=type(error).__name__,
        )
    article_id: str = result.id  # type: ignore[attr-defined]
    out_key = article_id.encode()
    content_hash = getattr(result, "content_hash", None)
    revision = content_hash.encode() if isinstance(content_hash, str) else None

    def outgoing(topic: str, record: Record, once: bool, gate_key: bytes) -> Outgoing:
        headers = headers_for(name, record, context, revision)
        return Outgoing(
            topic, out_key, record.to_json(), headers,
            once=once, gate_key=versioned(gate_key, revision) if once else None, revision=revision if once else None,
        )

    messages = [outgoing(spec.sink, result, spec.once, out_key)] if spec.sink is not None else []
    for side, records in sides:
        messages += [outgoing(side.topic, item, side.once, item.id.encode()) for item in records]  # type: ignore[attr-defined]
    return Outcome(messages, article_id=article_id)


def gate_key_of(
    spec: StageSpec, topic: str, key: bytes | None, value: bytes | None, headers: Sequence[tuple[str, bytes]] = ()
) -> bytes | None:
    """The gate key of a record already on one of ``spec``'s gated topics (see :class:`Outgoing`).

    Its revision comes from the ``marsad-content-hash`` header; a record written before
    revisions existed has none, and its key is the bare id."""
    revision = dict(headers).get(HEADER_REVISION)
    revision = bytes(revision) if revision is not None else None
    if spec.keyed_by_article(topic):
        return versioned(key, revision) if key is not None else None
    try:
        data = orjson.loads(value or b"")
    except orjson.JSONDecodeError:
        return None
    ident = data.get("id") if isinstance(data, dict) else None
    return versioned(ident.encode(), revision) if isinstance(ident, str) else None


def output_failed(
    stage: StageSpec,
    key: bytes | None,
    value: bytes | None,
    error: BaseException,
    context: StageContext,
    *,
    output_topic: str,
    output_bytes: int,
    partition: int | None = None,
    offset: int | None = None,
    max_payload_bytes: int = 1_000_000,
) -> Outgoing:
    """The dead letter for an input whose output the broker would not take (e.g. too large)."""
    letter = dead_letter(
        stage.name, key, value, error, context, topic=stage.source, partition=partition, offset=offset,
        max_payload_bytes=max_payload_bytes,
    )
    letter.message = f"could not publish the {output_bytes}-byte output to {output_topic}: {letter.message}"
    letter.details["output_topic"] = output_topic
    letter.details["output_bytes"] = output_bytes
    return Outgoing(DLQ, key, letter.to_json(), headers_for(stage.name, letter, context))


def dead_letter(
    stage: str,
    key: bytes | None,
    value: bytes | None,
    error: BaseException,
    context: StageContext,
    *,
    topic: str | None = None,
    partition: int | None = None,
    offset: int | None = None,
    max_payload_bytes: int | None = None,
) -> DeadLetter:
    """Wrap a failed message with the error and where it came from.

    The payload is kept whole unless it is longer than ``max_payload_bytes``: then its
    first ``max_payload_bytes`` are kept and ``details`` records the cut.
    """
    details: dict[str, object] = {}
    if value is not None and max_payload_bytes is not None and len(value) > max_payload_bytes:
        details["payload_truncated"] = True
        details["payload_bytes"] = len(value)
        value = _cut(value, max_payload_bytes)
    payload, encoding = _payload(value)
    if isinstance(error, ValidationError):
        details["errors"] = [
            {"loc": ".".join(str(part) for part in issue["loc"]), "msg": issue["msg"]} for issue in error.errors()[:10]
        ]
    return DeadLetter(
        stage=stage,
        error=getattr(error, "reason", None) and f"{type(error).__name__}:{error.reason}" or type(error).__name__,  # type: ignore[attr-defined]
        message=_message(error),
        key=key.decode("utf-8", "replace") if key is not None else None,
        payload=payload,
        payload_encoding=encoding,
        topic=topic,
        partition=partition,
        offset=offset,
        time=datetime.now(timezone.utc),
        pipeline_version=context.pipeline_version,
        details=details,
    )


def _cut(value: bytes, limit: int) -> bytes:
    """The first ``limit`` bytes, backed off to a UTF-8 boundary when the cut splits a character."""
    head = value[:limit]
    for back in range(4):
        try:
            head[: len(head) - back].decode("utf-8")
        except UnicodeDecodeError:
            continue
        return head[: len(head) - back]
    return head


def _payload(value: bytes | None) -> tuple[str, str]:
    if value is None:
        return "", "none"
    try:
        return value.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return base64.b64encode(value).decode("ascii"), "base64"


def _message(error: BaseException) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "record"
        return f"record does not match the schema: {where}: {first['msg']} ({error.error_count()} error(s))"
    if isinstance(error, orjson.JSONDecodeError):
        return f"value is not valid UTF-8 JSON: {error}"
    return str(error) or type(error).__name__

