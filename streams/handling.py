"""One message through one stage, transport-free: decode, run, encode, or dead-letter.

The agents call :func:`handle_message` for every message and only do the I/O, so every
failure mode (bad JSON, a record a stage cannot read, an unknown schema version, an
article a stage rejects, a bug in a stage) is decided here and unit-tested without Kafka.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone

import orjson
from pydantic import ValidationError

from models import SCHEMA_VERSION, DeadLetter, EnrichedArticle
from models.base import Record, UnknownSchemaVersion
from streams.errors import ArticleRejected, ArticleTooLarge
from streams.plover import plover_events
from streams.stages.pipeline import STAGES, StageContext, run_stage
from streams.topics import DLQ, HEADER_PIPELINE, HEADER_RECORD, HEADER_SCHEMA, HEADER_STAGE, PLOVER, STAGE_TOPICS

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message to produce. ``once``: publish at most once per article and pipeline version."""

    topic: str
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    once: bool = False


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one input message: the messages to send, and whether it failed."""

    messages: list[Outgoing]
    article_id: str | None = None
    failed: str | None = None  # the error class name when the message was dead-lettered


def headers_for(stage: str, record: Record, context: StageContext) -> list[tuple[str, bytes]]:
    return [
        (HEADER_SCHEMA, SCHEMA_VERSION.encode()),
        (HEADER_PIPELINE, context.pipeline_version.encode()),
        (HEADER_STAGE, stage.encode()),
        (HEADER_RECORD, record.record_name.encode()),
    ]


def handle_message(
    stage: str,
    key: bytes | None,
    value: bytes | None,
    context: StageContext,
    *,
    max_bytes: int = 1_000_000,
    partition: int | None = None,
    offset: int | None = None,
) -> Outcome:
    """Run ``stage`` on one message value; never raises for bad input."""
    spec = STAGES[stage]
    source = STAGE_TOPICS[stage].source
    try:
        if value is None:
            raise ValueError("message has no value")
        if len(value) > max_bytes:
            raise ArticleTooLarge(f"message of {len(value)} bytes exceeds the limit of {max_bytes}")
        record = spec.input.from_json(value)
        result = run_stage(stage, record, context)
    except Exception as error:  # noqa: BLE001 - every failure becomes a dead letter
        letter = dead_letter(stage, key, value, error, context, topic=source, partition=partition, offset=offset)
        if not isinstance(error, (ArticleRejected, ValidationError, UnknownSchemaVersion, orjson.JSONDecodeError, ValueError)):
            log.exception("stage %s failed on a message (dead-lettered)", stage)
        return Outcome(
            [Outgoing(DLQ, key, letter.to_json(), headers_for(stage, letter, context))],
            article_id=key.decode("utf-8", "replace") if key else None,
            failed=type(error).__name__,
        )
    article_id: str = result.id  # type: ignore[attr-defined]
    out_key = article_id.encode()
    messages = [
        Outgoing(
            STAGE_TOPICS[stage].sink,
            out_key,
            result.to_json(),
            headers_for(stage, result, context),
            once=isinstance(result, EnrichedArticle),
        )
    ]
    if stage == "events":
        for event in plover_events(result, context.pipeline_version):  # type: ignore[arg-type]
            messages.append(Outgoing(PLOVER, out_key, event.to_json(), headers_for(stage, event, context), once=True))
    return Outcome(messages, article_id=article_id)


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
) -> DeadLetter:
    """Wrap a failed message with the error and where it came from."""
    payload, encoding = _payload(value)
    details: dict[str, object] = {}
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

