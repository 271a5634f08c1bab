"""Reading directories (issue #10, items 12 and the corpus bug): a streamed listing in bounded
memory, symlinks skipped unless asked for, gold annotation files recognised and skipped."""

from __future__ import annotations

import os
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest

from streams.io import sources
from streams.io.replay import ReplayReport, iter_prepared, prepare
from streams.io.sources import ListingStats, is_annotation, iter_files, iter_sources
from streams.tools.offline import process_paths

BODY = "التقى وزير الخارجية التركي نظيره الليبي في أنقرة وبحثا ملف الهجرة والتعاون الاقتصادي."


def _annotation(article: str) -> dict[str, object]:
    """A gold annotation of our own, in the gold format's shape (pretty-printed like the corpus)."""
    return {
        "article": article,
        "title": "لقاء في أنقرة",
        "entities": [{"canonical": "Ankara", "type": "LOC", "camp": None, "mentions": ["أنقرة"]}],
        "events": [],
        "stance": {"label": "neutral", "score": 0.0},
    }


def _many_files(directory: Path, count: int, size: int) -> None:
    directory.mkdir()
    padding = "س" * size
    for number in range(count):
        (directory / f"{number:06d}.json").write_bytes(
            orjson.dumps({"id": f"many-{number}", "text": f"{BODY} {padding}"})
        )


def test_the_listing_is_a_stream_in_bounded_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "LISTING_CHUNK", 50)
    directory = tmp_path / "flat"
    directory.mkdir()
    names = [f"{n:04d}.txt" for n in range(120)]
    for name in reversed(names):
        (directory / name).write_text(BODY, "utf-8")
    listing = iter_files([directory])
    assert isinstance(listing, Iterator) and not isinstance(listing, list)
    first = next(listing)  # the first file comes before the directory has been read to its end
    found = [first.name, *(path.name for path in listing)]
    assert sorted(found) == names
    # each chunk of 50 entries is sorted by name; the chunks come in the directory's order
    for start in range(0, 120, 50):
        assert found[start:start + 50] == sorted(found[start:start + 50])


def test_small_directories_keep_name_order_with_subdirectories_in_place(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    for name in ("c.txt", "a.txt", "b/z.txt", "b/y.jsonl", "d.md"):
        (tmp_path / name).write_text(BODY, "utf-8")
    assert [p.relative_to(tmp_path).as_posix() for p in iter_files([tmp_path])] == ["a.txt", "b/y.jsonl", "b/z.txt", "c.txt"]


def _peaks(first: Callable[[], object], second: Callable[[], object]) -> tuple[int, int]:
    """Peak traced memory of two runs, one after the other."""
    tracemalloc.start()
    try:
        first()
        _, one = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        second()
        _, two = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return one, two


def test_listing_20000_files_holds_one_chunk_not_the_whole_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The listing reads a chunk of directory entries ahead of what it yields, never the whole directory."""
    monkeypatch.setattr(sources, "LISTING_CHUNK", 1_000)
    directory = tmp_path / "flat"
    directory.mkdir()
    for number in range(20_000):
        (directory / f"{number:06d}.txt").touch()
    read = [0]  # directory entries taken from os.scandir so far
    scandir = os.scandir

    class CountingListing:
        def __init__(self, path: Path) -> None:
            self.listing = scandir(path)

        def __enter__(self) -> CountingListing:
            return self

        def __exit__(self, *exc: object) -> None:
            self.listing.close()

        def __iter__(self) -> CountingListing:
            return self

        def __next__(self) -> os.DirEntry[str]:
            entry = next(self.listing)
            read[0] += 1
            return entry

    monkeypatch.setattr(sources.os, "scandir", CountingListing)
    yielded = 0
    most_ahead = 0
    for _ in iter_files([directory]):
        yielded += 1
        most_ahead = max(most_ahead, read[0] - yielded)
    assert yielded == read[0] == 20_000
    assert most_ahead < 1_000  # at most one chunk read ahead of the paths handed out


def test_replaying_files_holds_the_ids_not_the_payloads(tmp_path: Path) -> None:
    """Streaming keeps memory to the ids seen; the list form of the same replay holds every payload."""
    directory = tmp_path / "many"
    _many_files(directory, 3_000, 2_000)
    report = ReplayReport()
    counted: list[int] = []
    streaming, listed = _peaks(
        lambda: counted.append(sum(1 for _ in iter_prepared(iter_sources([directory]), report, keep_ids=False))),
        lambda: counted.append(len(prepare(iter_sources([directory]))[0])),
    )
    assert counted == [3_000, 3_000]
    assert report.duplicates == 0 and not report.errors
    # 3,000 payloads of ~4 kB are ~12 MB in the list; the stream holds 3,000 short ids
    assert listed > 10_000_000
    assert streaming < listed / 3, (streaming, listed)


def test_symlinks_in_a_directory_are_skipped_and_counted(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    elsewhere = tmp_path / "elsewhere"
    articles.mkdir()
    elsewhere.mkdir()
    (articles / "a.txt").write_text(BODY, "utf-8")
    (elsewhere / "b.txt").write_text(BODY, "utf-8")
    (elsewhere / "secret.txt").write_text(BODY, "utf-8")
    os.symlink(elsewhere / "secret.txt", articles / "link.txt")
    os.symlink(elsewhere, articles / "linked-dir")
    os.symlink(articles, articles / "loop")  # followed, a loop must not recurse forever

    stats = ListingStats()
    assert [p.name for p in iter_files([articles], stats=stats)] == ["a.txt"]
    assert stats.symlinks_skipped == 3
    assert "3 symlink(s) skipped (--follow-symlinks reads them)" in stats.describe()

    followed = ListingStats()
    names = [p.relative_to(articles).as_posix() for p in iter_files([articles], follow_symlinks=True, stats=followed)]
    assert names == ["a.txt", "link.txt", "linked-dir/b.txt", "linked-dir/secret.txt"]
    assert followed.symlinks_skipped == 0
    # a link named on the command line is read: the operator chose it
    assert [p.name for p in iter_files([articles / "link.txt"])] == ["link.txt"]


def test_gold_annotation_files_are_recognised_and_skipped(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "01.txt").write_text(BODY, "utf-8")
    (corpus / "01.json").write_text(orjson.dumps(_annotation("01.txt"), option=orjson.OPT_INDENT_2).decode(), "utf-8")
    # one raw article as a pretty-printed .json document is an article, read whole
    (corpus / "02.json").write_bytes(orjson.dumps({"id": "doc-2", "text": BODY}, option=orjson.OPT_INDENT_2))
    assert is_annotation(_annotation("01.txt")) and not is_annotation({"id": "doc-2", "text": BODY})

    stats = ListingStats()
    items = list(iter_sources([corpus], stats=stats))
    assert [(item.origin, item.error) for item in items] == [("01.txt", None), ("02.json:1", None)]
    assert items[1].article is not None and items[1].article.id == "doc-2"
    assert stats.annotations_skipped == 1

    out = tmp_path / "out.jsonl"
    stats = ListingStats()
    written, rejected = process_paths([corpus], out, stats=stats)
    assert (written, rejected) == (2, [])
    assert "1 gold annotation file(s) skipped" in stats.describe()


def test_bad_files_are_reported_and_the_rest_go_on(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "a-good.txt").write_text(BODY, "utf-8")
    (batch / "b-latin1.txt").write_bytes("caf\xe9 ".encode("latin-1") * 10)
    (batch / "c-deep.json").write_text("[" * 10_000 + "]" * 10_000, "utf-8")
    (batch / "d-deep.jsonl").write_text('{"a":' * 10_000 + "1" + "}" * 10_000 + "\n", "utf-8")
    (batch / "e-good.txt").write_text(BODY, "utf-8")
    out, dlq = tmp_path / "out.jsonl", tmp_path / "dlq.jsonl"
    written, rejected = process_paths([batch], out, dlq)
    assert written == 2
    assert [origin for origin, _ in rejected] == ["b-latin1.txt", "c-deep.json", "d-deep.jsonl:1"]
    reasons = dict(rejected)
    assert "not UTF-8" in reasons["b-latin1.txt"]
    assert "nested too deeply" in reasons["c-deep.json"]
    letters = [orjson.loads(line) for line in dlq.read_bytes().splitlines()]
    assert [letter["details"]["origin"] for letter in letters] == ["b-latin1.txt", "c-deep.json", "d-deep.jsonl:1"]
    assert all(letter["message"] for letter in letters)
    assert letters[0]["payload_encoding"] == "base64"  # the bytes that were not UTF-8 are kept


def test_a_file_that_cannot_be_read_is_one_rejection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Permissions do not stop root, so the refusal is the operating system's answer, simulated."""
    batch = tmp_path / "batch"
    batch.mkdir()
    for number, name in enumerate(("a.txt", "b-locked.txt", "c-locked.jsonl", "d.txt")):
        text = f"{BODY} وجرى اللقاء في يومه {number + 1}."
        (batch / name).write_text(text if name.endswith(".txt") else orjson.dumps({"text": text}).decode(), "utf-8")
    real_open = Path.open

    def refusing_open(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if "locked" in self.name:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", refusing_open)
    written, rejected = process_paths([batch], tmp_path / "out.jsonl")
    assert written == 2
    assert rejected == [("b-locked.txt", "cannot read (Permission denied)"), ("c-locked.jsonl", "cannot read (Permission denied)")]
    report = ReplayReport()
    assert len(list(iter_prepared(iter_sources([batch]), report))) == 2
    assert report.unreadable == 2
    assert report.errors == ["b-locked.txt: cannot read (Permission denied) (skipped)", "c-locked.jsonl: cannot read (Permission denied) (skipped)"]
