"""The embedded store: enriched articles, PLOVER events and stories in one DuckDB file.

Every row is keyed by the record id and the pipeline version that made it, and every
write is an upsert, so a replay or a redelivery replaces rows instead of adding them;
a new pipeline version adds a row beside the old one and the views read the newest
(``current_articles``). An article's entities and events live in child tables that are
rewritten with it.

DuckDB lets one process write a file, or several read it, never both at once, so the
store opens short-lived connections (one per batch, one per query) and retries while
another process holds the lock: a sink worker and the dashboard share the file that way.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, overload

import duckdb
import orjson

import models
from models import EnrichedArticle, PloverEvent

#: Bump when the tables change shape; a file of another layout is rebuilt empty.
STORE_SCHEMA = 3
#: Records per write transaction in :func:`load_records`.
BATCH = 500

_TABLES: dict[str, dict[str, str]] = {
    "articles": {
        "id": "VARCHAR",
        "pipeline_version": "VARCHAR",
        "outlet": "VARCHAR",
        "url": "VARCHAR",
        "file": "VARCHAR",
        "title": "VARCHAR",
        "heading": "VARCHAR",
        "published_at": "TIMESTAMP",
        "processed_at": "TIMESTAMP",
        "day": "DATE",
        "stance_label": "VARCHAR",
        "stance_score": "DOUBLE",
        "n_entities": "INTEGER",
        "n_events": "INTEGER",
        "n_cues": "INTEGER",
        "record": "VARCHAR",
        "stored_at": "TIMESTAMP",
    },
    "entities": {
        "article_id": "VARCHAR",
        "pipeline_version": "VARCHAR",
        "canonical": "VARCHAR",
        "type": "VARCHAR",
        "camp": "VARCHAR",
        "linked": "BOOLEAN",
        "mentions": "INTEGER",
    },
    "events": {
        "article_id": "VARCHAR",
        "pipeline_version": "VARCHAR",
        "idx": "INTEGER",
        "type": "VARCHAR",
        "cameo": "VARCHAR",
        "plover_event": "VARCHAR",
        "actors": "VARCHAR[]",
        "targets": "VARCHAR[]",
        "camps": "VARCHAR[]",
        "location": "VARCHAR",
        "modality": "VARCHAR",
        "evidence": "VARCHAR",
        "ev_start": "INTEGER",
        "ev_end": "INTEGER",
    },
    "plover": {
        "id": "VARCHAR",
        "pipeline_version": "VARCHAR",
        "article_id": "VARCHAR",
        "date": "DATE",
        "event": "VARCHAR",
        "marsad_type": "VARCHAR",
        "record": "VARCHAR",
        "stored_at": "TIMESTAMP",
    },
    "stories": {
        "id": "VARCHAR",
        "pipeline_version": "VARCHAR",
        "type": "VARCHAR",
        "num_articles": "INTEGER",
        "num_sources": "INTEGER",
        "first_seen": "TIMESTAMP",
        "last_seen": "TIMESTAMP",
        "location": "VARCHAR",
        "participants": "VARCHAR[]",
        "record": "VARCHAR",
        "stored_at": "TIMESTAMP",
    },
}
_KEYS = {"articles": ("id", "pipeline_version"), "plover": ("id", "pipeline_version"), "stories": ("id", "pipeline_version")}


class StoreBusy(RuntimeError):
    """Another process held the store's lock for longer than the timeout."""


@dataclass
class UpsertCounts:
    """What one upsert wrote (rows replaced count as written) and what it could not read."""

    articles: int = 0
    plover: int = 0
    stories: int = 0
    #: Why each unreadable record was skipped, and (same order) its position in the batch.
    skipped: list[str] = field(default_factory=list)
    rejected: list[int] = field(default_factory=list)

    def add(self, other: UpsertCounts) -> None:
        self.articles += other.articles
        self.plover += other.plover
        self.stories += other.stories
        self.skipped += other.skipped
        self.rejected += other.rejected


def default_store_path(settings: Any) -> Path:
    """``MARSAD_STORE``, else ``<MARSAD_DATA_DIR>/marsad.duckdb``."""
    store = getattr(settings, "store", None)
    return Path(store) if store else Path(settings.data_dir) / "marsad.duckdb"


class Store:
    """One DuckDB file; every method opens and closes its own connection."""

    def __init__(self, path: Path | str, *, lock_timeout: float = 15.0) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout

    @contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection, retried while another process holds the file's lock."""
        if read_only and not self.path.exists():
            self.create()
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.02
        while True:
            try:
                connection = duckdb.connect(str(self.path), read_only=read_only)
                break
            except duckdb.IOException as error:
                if "lock" not in str(error).lower() or time.monotonic() > deadline:
                    raise StoreBusy(f"{self.path}: {error}") from error
                time.sleep(delay)
                delay = min(delay * 2, 0.25)
        try:
            yield connection
        finally:
            connection.close()

    def create(self) -> None:
        """Create the file and its tables (idempotent)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as connection:
            _ensure_schema(connection)

    def signature(self) -> tuple[int, int, int, int]:
        """Changes whenever a write lands (file and WAL size and time): cheap change detection."""
        parts: list[int] = []
        for path in (self.path, self.path.with_name(self.path.name + ".wal")):
            try:
                stat = path.stat()
                parts += [stat.st_mtime_ns, stat.st_size]
            except FileNotFoundError:
                parts += [0, 0]
        return tuple(parts)  # type: ignore[return-value]

    def upsert(self, records: Iterable[Any]) -> UpsertCounts:
        """Write one batch in one transaction; records are models, dicts or JSON bytes."""
        articles: dict[tuple[str, str], dict[str, list[dict[str, Any]]]] = {}
        others: dict[str, dict[tuple[str, str], dict[str, Any]]] = {"plover": {}, "stories": {}}
        counts = UpsertCounts()
        stored_at = _utc_text(datetime.now(UTC))
        for position, record in enumerate(records):
            try:
                kind, data = classify(record)
            except ValueError as error:
                counts.skipped.append(str(error))
                counts.rejected.append(position)
                continue
            try:
                if kind == "article":
                    raw = record if isinstance(record, str) else bytes(record).decode() if isinstance(record, bytes | bytearray | memoryview) else None
                    articles[(data.id, data.pipeline_version)] = _article_rows(data, stored_at, raw)
                    counts.articles += 1
                else:
                    row = _plover_row(data, stored_at) if kind == "plover" else _story_row(data, stored_at)
                    table = "plover" if kind == "plover" else "stories"
                    others[table][(row["id"], row["pipeline_version"])] = row
                    setattr(counts, table, getattr(counts, table) + 1)
            except (KeyError, TypeError, ValueError) as error:
                counts.skipped.append(f"{kind} record: {type(error).__name__}: {error}")
                counts.rejected.append(position)
        rows: dict[str, list[dict[str, Any]]] = {name: [] for name in _TABLES}
        for parts in articles.values():  # a batch that repeats an article keeps its last copy
            for table, table_rows in parts.items():
                rows[table] += table_rows
        for table, unique in others.items():
            rows[table] = list(unique.values())
        if not any(rows.values()):
            return counts
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as connection:
            _ensure_schema(connection)
            connection.execute("BEGIN TRANSACTION")
            try:
                _write(connection, rows)
                connection.execute("UPDATE meta SET revision = revision + 1")
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        return counts

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with self.connect(read_only=True) as connection:
            return connection.execute(sql, params or []).fetchall()


def load_records(store: Store, records: Iterable[Any], *, batch: int = BATCH) -> UpsertCounts:
    """Upsert any number of records in batches (``marsad store load``, the demo, tests)."""
    total = UpsertCounts()
    chunk: list[Any] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= batch:
            total.add(store.upsert(chunk))
            chunk = []
    if chunk:
        total.add(store.upsert(chunk))
    return total


def read_jsonl(paths: Iterable[Path]) -> Iterator[bytes]:
    """Non-empty lines of JSONL files (``marsad process`` output, ``marsad tail --out``)."""
    for path in paths:
        with open(path, "rb") as handle:
            for line in handle:
                if line.strip():
                    yield line


# ---------------------------------------------------------------- records → rows


def story_model() -> type[Any] | None:
    """The contract's Story record when ``models`` has it (stories are plain JSON otherwise)."""
    return getattr(models, "Story", None)


def classify(record: Any) -> tuple[str, Any]:
    """``("article", EnrichedArticle)``, ``("plover", dict)`` or ``("story", dict)``."""
    if isinstance(record, EnrichedArticle):
        return "article", record
    if isinstance(record, PloverEvent):
        return "plover", record.to_dict()
    story = story_model()
    if story is not None and isinstance(record, story):
        return "story", record.to_dict()
    if isinstance(record, bytes | bytearray | memoryview | str):
        try:
            record = orjson.loads(record)
        except orjson.JSONDecodeError as error:
            raise ValueError(f"not JSON: {error}") from error
    if not isinstance(record, dict):
        raise ValueError(f"not a record: {type(record).__name__}")
    try:
        if "stance" in record and "entities" in record:
            return "article", EnrichedArticle.from_dict(record)
        if "article_id" in record and "event" in record:
            return "plover", record
        if "num_sources" in record or "num_articles" in record:
            if story is not None:
                return "story", story.from_dict(record).to_dict()
            return "story", record
    except ValueError as error:  # pydantic.ValidationError and unknown schema versions
        raise ValueError(f"record {record.get('id')!r}: {str(error).splitlines()[0]}") from error
    raise ValueError(f"record {record.get('id')!r}: neither an enriched article, a PLOVER event nor a story")


def outlet_of(source: Any) -> str:
    """The outlet's name, else the URL's host, else the file the article was read from."""
    if source.name:
        return source.name
    if source.url:
        host = source.url.split("//", 1)[-1].split("/", 1)[0].split("@")[-1].split(":")[0].lower()
        return host.removeprefix("www.") or source.url
    return source.file or "unknown outlet"


@overload
def _utc_text(value: datetime) -> str: ...


@overload
def _utc_text(value: datetime | None) -> str | None: ...


def _utc_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(sep=" ")


def _time_text(value: Any) -> str | None:
    """An ISO date or time from a record field as naive UTC text (None when unreadable)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return _utc_text(value)
    try:
        return _utc_text(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
    except ValueError:
        return None


def _article_rows(article: EnrichedArticle, stored_at: str, raw: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """The article's row and its entity and event rows; ``raw`` is the JSON as received, when it was."""
    version = article.pipeline_version
    when = article.published_at or article.processed_at
    rows: dict[str, list[dict[str, Any]]] = {"articles": [], "entities": [], "events": []}
    rows["articles"].append(
        {
            "id": article.id,
            "pipeline_version": version,
            "outlet": outlet_of(article.source),
            "url": article.source.url,
            "file": article.source.file,
            "title": article.title,
            "heading": article.title or article.text.strip().split("\n", 1)[0][:90],
            "published_at": _utc_text(article.published_at),
            "processed_at": _utc_text(article.processed_at),
            "day": _utc_text(when)[:10] if when else None,
            "stance_label": article.stance.label,
            "stance_score": article.stance.score,
            "n_entities": len(article.entities),
            "n_events": len(article.events),
            "n_cues": len(article.stance.evidence),
            "record": raw.strip() if raw is not None else article.to_json().decode(),
            "stored_at": stored_at,
        }
    )
    by_name: dict[str, dict[str, Any]] = {}
    for entity in article.entities:
        row = by_name.get(entity.canonical)
        if row is None:
            by_name[entity.canonical] = {
                "article_id": article.id,
                "pipeline_version": version,
                "canonical": entity.canonical,
                "type": entity.type,
                "camp": entity.camp,
                "linked": entity.linked,
                "mentions": len(entity.mentions),
            }
        else:
            row["mentions"] += len(entity.mentions)
    rows["entities"] += by_name.values()
    camps = {entity.canonical: entity.camp for entity in article.entities}
    for number, event in enumerate(article.events):
        participants = [*event.actors, *event.targets]
        rows["events"].append(
            {
                "article_id": article.id,
                "pipeline_version": version,
                "idx": number,
                "type": event.type.value,
                "cameo": event.cameo,
                "plover_event": event.plover.event,
                "actors": event.actors,
                "targets": event.targets,
                "camps": sorted({camps[name] for name in participants if camps.get(name)}),
                "location": event.location,
                "modality": event.modality.value,
                "evidence": event.evidence.text,
                "ev_start": event.evidence.start,
                "ev_end": event.evidence.end,
            }
        )
    return rows


def _names(value: Any) -> list[str]:
    """Participant names from a string, an entity object or a list of either."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        name = value.get("canonical") or value.get("name") or value.get("actor")
        return [str(name)] if name else []
    if isinstance(value, list):
        return [name for item in value for name in _names(item)]
    return []


def _place(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("resolved_place") or value.get("name") or value.get("canonical") or value.get("place")
    return str(value) if value else None


def _text(value: Any) -> str | None:
    """A field that is a string, or (PLOVER) a list of strings."""
    if isinstance(value, list):
        return ",".join(str(item) for item in value) or None
    return str(value) if value is not None else None


def _plover_row(data: dict[str, Any], stored_at: str) -> dict[str, Any]:
    date = _time_text(data.get("date"))
    return {
        "id": str(data["id"]),
        "pipeline_version": str(data.get("pipeline_version") or ""),
        "article_id": data.get("article_id"),
        "date": date[:10] if date else None,
        "event": _text(data.get("event")),
        "marsad_type": _text(data.get("marsad_type")),
        "record": orjson.dumps(data).decode(),
        "stored_at": stored_at,
    }


def _story_row(data: dict[str, Any], stored_at: str) -> dict[str, Any]:
    if not data.get("id"):
        raise ValueError("a story without an id")
    return {
        "id": str(data["id"]),
        "pipeline_version": str(data.get("pipeline_version") or ""),
        "type": _text(data.get("type")),
        "num_articles": int(data.get("num_articles") or 0),
        "num_sources": int(data.get("num_sources") or 0),
        "first_seen": _time_text(data.get("first_seen")),
        "last_seen": _time_text(data.get("last_seen") or data.get("first_seen")),
        "location": _place(data.get("location")),
        "participants": _names(data.get("participants")),
        "record": orjson.dumps(data).decode(),
        "stored_at": stored_at,
    }


# ---------------------------------------------------------------- DuckDB


def _ensure_schema(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute("CREATE TABLE IF NOT EXISTS meta (schema INTEGER, revision BIGINT)")
    found = connection.execute("SELECT schema FROM meta").fetchone()
    if found is not None and found[0] == STORE_SCHEMA:
        return
    if found is not None:  # an older layout: rebuilt empty (refill it: marsad store load, or replay the topics)
        for table in _TABLES:
            connection.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
        connection.execute("DELETE FROM meta")
    for table, columns in _TABLES.items():
        body = ", ".join(f'"{name}" {kind}' for name, kind in columns.items())
        key = _KEYS.get(table)
        if key:
            body += f", PRIMARY KEY ({', '.join(key)})"
        connection.execute(f"CREATE TABLE IF NOT EXISTS {table} ({body})")
    connection.execute("CREATE INDEX IF NOT EXISTS entities_article ON entities (article_id, pipeline_version)")
    connection.execute("CREATE INDEX IF NOT EXISTS events_article ON events (article_id, pipeline_version)")
    connection.execute(
        """CREATE OR REPLACE VIEW current_articles AS
           SELECT * EXCLUDE (record) FROM articles
           QUALIFY row_number() OVER (PARTITION BY id ORDER BY processed_at DESC, stored_at DESC, pipeline_version DESC) = 1"""
    )
    connection.execute(
        """CREATE OR REPLACE VIEW current_stories AS
           SELECT * FROM stories
           QUALIFY row_number() OVER (PARTITION BY id ORDER BY stored_at DESC, pipeline_version DESC) = 1"""
    )
    connection.execute("INSERT INTO meta VALUES (?, 0)", [STORE_SCHEMA])


def _write(connection: duckdb.DuckDBPyConnection, rows: dict[str, list[dict[str, Any]]]) -> None:
    keys = [[row["id"], row["pipeline_version"]] for row in rows["articles"]]
    if keys:
        for child in ("entities", "events"):
            _bulk(connection, f"DELETE FROM {child} WHERE (article_id, pipeline_version) IN", keys)
    for table in _TABLES:
        _insert(connection, table, rows[table], replace=table in _KEYS)


def _bulk(connection: duckdb.DuckDBPyConnection, prefix: str, keys: list[list[str]]) -> None:
    for start in range(0, len(keys), 1000):
        chunk = keys[start : start + 1000]
        placeholders = ", ".join(["(?, ?)"] * len(chunk))
        connection.execute(f"{prefix} ({placeholders})", [value for key in chunk for value in key])


def _insert(connection: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]], *, replace: bool = False) -> None:
    """Bulk insert through a temporary JSONL file (far faster than ``executemany``)."""
    if not rows:
        return
    columns = _TABLES[table]
    handle, name = tempfile.mkstemp(prefix=f"marsad-{table}-", suffix=".jsonl")
    try:
        with os.fdopen(handle, "wb") as out:
            for row in rows:
                out.write(orjson.dumps(row) + b"\n")
        spec = ", ".join(f"'{column}': '{kind}'" for column, kind in columns.items())
        names = ", ".join(f'"{column}"' for column in columns)
        verb = "INSERT OR REPLACE" if replace else "INSERT"
        connection.execute(
            f"{verb} INTO {table} ({names}) SELECT {names} FROM read_json(?, columns={{{spec}}}, "
            "format='newline_delimited', maximum_object_size=67108864)",
            [name],
        )
    finally:
        os.unlink(name)
