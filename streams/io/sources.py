"""Reading articles from files: ``.txt`` (one article each), ``.jsonl``/``.json``, directories."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
from pydantic import ValidationError

from models import RawArticle, Source
from streams.text.sentences import reads_as_heading

TEXT_SUFFIXES = (".txt",)
JSON_SUFFIXES = (".jsonl", ".json", ".ndjson")


class SourceError(ValueError):
    """A path that cannot be read as articles."""


@dataclass(frozen=True, slots=True)
class SourceItem:
    """One article read from a file: parsed, or (for a bad JSON line) its raw bytes."""

    origin: str  # "file.txt" or "file.jsonl:12"
    article: RawArticle | None
    payload: bytes
    error: str | None = None


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files named, and the article files below directories named, in a stable order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES + JSON_SUFFIXES)
        elif path.is_file():
            files.append(path)
        else:
            raise SourceError(f"{path}: no such file or directory")
    return files


def read_text_article(path: Path) -> RawArticle:
    """A ``.txt`` file is one article; its first line is the title when it reads as one."""
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError as error:
        raise SourceError(f"{path}: not UTF-8 text ({error})") from error
    lines = [line for line in text.splitlines() if line.strip()]
    title = lines[0].strip() if len(lines) > 1 and reads_as_heading(lines[0]) else None
    return RawArticle(title=title, text=text, source=Source(file=path.name))


def iter_sources(paths: list[Path]) -> Iterator[SourceItem]:
    """Every article in ``paths``; bad JSON lines come through with their error, unparsed."""
    for path in expand_paths(paths):
        if path.suffix in JSON_SUFFIXES:
            yield from _json_items(path)
        else:
            article = read_text_article(path)
            yield SourceItem(path.name, article, article.to_json())


def _json_items(path: Path) -> Iterator[SourceItem]:
    data = path.read_bytes()
    lines = data.splitlines()
    if path.suffix == ".json" and data.lstrip().startswith(b"["):
        lines = [orjson.dumps(item) for item in orjson.loads(data)]
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        origin = f"{path.name}:{number}"
        try:
            article = RawArticle.from_json(line)
        except (orjson.JSONDecodeError, ValidationError, ValueError) as error:
            yield SourceItem(origin, None, line, error=str(error).splitlines()[0])
            continue
        if article.source.file is None:
            article.source.file = path.name
        yield SourceItem(origin, article, article.to_json())
