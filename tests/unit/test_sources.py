"""Reading articles from .txt files, JSON lines and directories."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from models import RawArticle
from streams.io.sources import SourceError, expand_paths, iter_sources, read_text_article

HEADLINE = "وفد تركي في بنغازي"
BODY = "وصل وفد عسكري تركي إلى مدينة بنغازي صباح الثلاثاء في زيارة تستغرق يومين."


def test_txt_with_a_headline(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(f"{HEADLINE}\n\n{BODY}\n", "utf-8")
    article = read_text_article(path)
    assert article.title == HEADLINE
    assert article.text == f"{HEADLINE}\n\n{BODY}\n"  # the text is kept whole
    assert article.source.file == "a.txt"


def test_txt_without_a_headline(tmp_path: Path) -> None:
    path = tmp_path / "b.txt"
    path.write_text(f"{BODY}\nوبحث الوفد سبل التعاون.\n", "utf-8")
    assert read_text_article(path).title is None
    single = tmp_path / "c.txt"
    single.write_text(HEADLINE, "utf-8")
    assert read_text_article(single).title is None  # one line is the article, not a title


def test_txt_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(SourceError):
        read_text_article(path)


def test_a_directory_is_read_in_a_stable_order(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "b.txt").write_text(BODY, "utf-8")
    (tmp_path / "sub" / "a.txt").write_text(BODY, "utf-8")
    (tmp_path / "notes.md").write_text("ignored", "utf-8")
    (tmp_path / "c.jsonl").write_bytes(orjson.dumps({"text": BODY}) + b"\n")
    files = expand_paths([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in files] == ["b.txt", "c.jsonl", "sub/a.txt"]
    items = list(iter_sources([tmp_path]))
    assert [item.origin for item in items] == ["b.txt", "c.jsonl:1", "a.txt"]
    assert all(item.article is not None and item.error is None for item in items)


def test_jsonl_with_a_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    lines = [
        orjson.dumps({"id": "one", "text": BODY}),
        b"{broken",
        b"",
        orjson.dumps({"id": "three", "text": BODY, "source": {"file": "original.txt", "name": "wire"}}),
        orjson.dumps({"title": "no text"}),
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    items = list(iter_sources([path]))
    assert [item.origin for item in items] == ["feed.jsonl:1", "feed.jsonl:2", "feed.jsonl:4", "feed.jsonl:5"]
    good, bad, kept, invalid = items
    assert good.article is not None and good.article.id == "one"
    assert good.article.source.file == "feed.jsonl"  # the file it was read from
    assert RawArticle.from_json(good.payload) == good.article
    assert bad.article is None and bad.error and bad.payload == b"{broken"
    assert kept.article is not None and kept.article.source.file == "original.txt"  # source.file kept
    assert kept.article.source.name == "wire"
    assert invalid.article is None and invalid.error


def test_json_array(tmp_path: Path) -> None:
    path = tmp_path / "batch.json"
    path.write_bytes(orjson.dumps([{"text": BODY}, {"text": BODY, "id": "x"}]))
    items = list(iter_sources([path]))
    assert [item.article.id for item in items] == [None, "x"]  # type: ignore[union-attr]
    assert all(item.article.source.file == "batch.json" for item in items)  # type: ignore[union-attr]


def test_txt_source_item_payload_is_the_raw_article(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(f"{HEADLINE}\n{BODY}", "utf-8")
    (item,) = iter_sources([path])
    assert item.origin == "a.txt"
    assert RawArticle.from_json(item.payload) == item.article


def test_a_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        expand_paths([tmp_path / "missing.txt"])


def test_seed_files_read_with_their_names(seed_paths: list[Path]) -> None:
    for path in seed_paths:
        article = read_text_article(path)
        assert article.source.file == path.name
        assert article.text == path.read_text("utf-8")
