"""Reading articles from files: ``.txt`` (one article each), ``.jsonl``/``.json``, directories.

Directories are listed as a stream (``os.scandir``), never as one list: each directory is
read in chunks of :data:`LISTING_CHUNK` entries, each chunk sorted by name, so a directory of
up to that many entries comes out in name order (a subdirectory's files at its name's place)
and a bigger one in chunk order, sorted within each chunk, in bounded memory.
Symbolic links found inside a directory are skipped (and counted) unless ``follow_symlinks``;
a path named on the command line is read even when it is a link.
Gold annotation files (the ``.json`` of the gold format: an object with ``article`` and
``entities``) are not articles: they are skipped and counted, so a corpus directory that
holds ``NN.txt`` beside ``NN.json`` reads as its articles.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from models import RawArticle, Source
from streams.text.sentences import reads_as_heading

TEXT_SUFFIXES = (".txt",)
JSON_SUFFIXES = (".jsonl", ".json", ".ndjson")
#: Directory entries read, sorted and handed on at a time.
LISTING_CHUNK = 10_000


class SourceError(ValueError):
    """A path that cannot be read as articles."""


@dataclass(frozen=True, slots=True)
class SourceItem:
    """One article read from a file: parsed, or (for a bad JSON line or file) its raw bytes.

    ``file_error`` marks a file that could not be read as text at all (unreadable, not
    UTF-8, JSON beyond the parser's depth): there is nothing to publish, only to report.
    """

    origin: str  # "file.txt" or "file.jsonl:12"
    article: RawArticle | None
    payload: bytes
    error: str | None = None
    file_error: bool = False


@dataclass
class ListingStats:
    """What a listing left out, for the command's summary line."""

    symlinks_skipped: int = 0
    annotations_skipped: int = 0

    def describe(self) -> str:
        """``", 2 symlink(s) skipped (--follow-symlinks reads them)"``, or ``""``."""
        parts = []
        if self.annotations_skipped:
            parts.append(f"{self.annotations_skipped} gold annotation file(s) skipped")
        if self.symlinks_skipped:
            parts.append(f"{self.symlinks_skipped} symlink(s) skipped (--follow-symlinks reads them)")
        return "".join(f", {part}" for part in parts)


def is_article_file(name: str) -> bool:
    return name.endswith(TEXT_SUFFIXES + JSON_SUFFIXES)


def iter_files(paths: list[Path], *, follow_symlinks: bool = False, stats: ListingStats | None = None) -> Iterator[Path]:
    """Files named, and the article files below directories named, streamed (see the module doc)."""
    stats = stats if stats is not None else ListingStats()
    for path in paths:
        if path.is_dir():
            yield from _walk(path, follow_symlinks, stats, {_identity(path)})
        elif path.is_file():
            yield path
        elif path.exists():
            raise SourceError(f"{path}: not a regular file or directory")
        else:
            raise SourceError(f"{path}: no such file or directory")


def expand_paths(paths: list[Path], *, follow_symlinks: bool = False, stats: ListingStats | None = None) -> list[Path]:
    """:func:`iter_files` as a list (for callers that need it whole)."""
    return list(iter_files(paths, follow_symlinks=follow_symlinks, stats=stats))


def _identity(path: Path | os.DirEntry[str]) -> tuple[int, int]:
    status = path.stat()
    return status.st_dev, status.st_ino


def _walk(directory: Path, follow: bool, stats: ListingStats, visiting: set[tuple[int, int]]) -> Iterator[Path]:
    try:
        listing = os.scandir(directory)
    except OSError:
        return  # an unreadable subdirectory: nothing below it can be read either
    with listing:
        while True:
            chunk: list[tuple[str, bool]] = []  # (name, is a directory); names only, not DirEntry objects
            for entry in listing:
                try:
                    if entry.is_symlink():
                        if not follow:
                            if entry.is_dir() or is_article_file(entry.name):
                                stats.symlinks_skipped += 1
                            continue
                    if entry.is_dir():
                        chunk.append((entry.name, True))
                    elif entry.is_file() and is_article_file(entry.name):
                        chunk.append((entry.name, False))
                except OSError:
                    continue  # a dangling link or an entry gone since the listing
                if len(chunk) >= LISTING_CHUNK:
                    break
            if not chunk:
                return
            chunk.sort()
            for name, is_dir in chunk:
                path = directory / name
                if not is_dir:
                    yield path
                    continue
                identity = _identity(path)
                if identity in visiting:  # a link loop (only with --follow-symlinks)
                    continue
                yield from _walk(path, follow, stats, visiting | {identity})


def read_text_article(path: Path) -> RawArticle:
    """A ``.txt`` file is one article; its first line is the title when it reads as one."""
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError as error:
        raise SourceError(f"{path}: not UTF-8 text (byte {error.start}); convert it to UTF-8") from error
    except OSError as error:
        raise SourceError(f"{path}: cannot read ({error.strerror or error})") from error
    lines = [line for line in text.splitlines() if line.strip()]
    title = lines[0].strip() if len(lines) > 1 and reads_as_heading(lines[0]) else None
    return RawArticle(title=title, text=text, source=Source(file=path.name))


def is_annotation(data: Any) -> bool:
    """A gold annotation (see the gold FORMAT.md): an object naming its ``article`` file, with ``entities``."""
    return isinstance(data, dict) and isinstance(data.get("article"), str) and "entities" in data


def iter_sources(
    paths: list[Path], *, follow_symlinks: bool = False, stats: ListingStats | None = None
) -> Iterator[SourceItem]:
    """Every article in ``paths``; bad JSON lines and unreadable files come through with their error."""
    stats = stats if stats is not None else ListingStats()
    for path in iter_files(paths, follow_symlinks=follow_symlinks, stats=stats):
        if path.suffix in JSON_SUFFIXES:
            yield from _json_items(path, stats)
            continue
        try:
            article = read_text_article(path)
        except SourceError as error:
            raw = b""
            if isinstance(error.__cause__, UnicodeDecodeError):
                raw = path.read_bytes()  # the dead letter keeps the bytes (base64)
            yield SourceItem(path.name, None, raw, error=str(error).removeprefix(f"{path}: "), file_error=True)
            continue
        yield SourceItem(path.name, article, article.to_json())


def _file_error(path: Path, message: str) -> SourceItem:
    return SourceItem(path.name, None, b"", error=message, file_error=True)


def _json_items(path: Path, stats: ListingStats) -> Iterator[SourceItem]:
    try:
        data = path.read_bytes()
    except OSError as error:
        yield _file_error(path, f"cannot read ({error.strerror or error})")
        return
    lines: list[bytes] = data.splitlines()
    if path.suffix == ".json":
        try:
            document = orjson.loads(data)
        except orjson.JSONDecodeError as error:
            if "depth" in str(error) or "recursion" in str(error):
                yield _file_error(path, f"JSON nested too deeply ({str(error).splitlines()[0]})")
                return
            document = None  # not one document: read it as JSON lines
        if is_annotation(document):
            stats.annotations_skipped += 1
            return
        if isinstance(document, list):
            lines = [orjson.dumps(item) for item in document]
        elif isinstance(document, dict):
            lines = [orjson.dumps(document)]
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        origin = f"{path.name}:{number}"
        try:
            article = RawArticle.from_json(line)
        except (orjson.JSONDecodeError, ValidationError, ValueError, RecursionError) as error:
            yield SourceItem(origin, None, line, error=str(error).splitlines()[0] if str(error) else type(error).__name__)
            continue
        if article.source.file is None:
            article.source.file = path.name
        yield SourceItem(origin, article, article.to_json())
