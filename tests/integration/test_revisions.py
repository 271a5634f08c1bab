"""Article revisions on the broker (issue #10, item 6): a corrected text under the same id is
published again as a new version; an exact repeat of a version already published is not."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from models import RawArticle
from streams.io.topics import ENRICHED, HEADER_REVISION, PLOVER

from .support import TopicWatcher, keyed, publish, start_pipeline

pytestmark = pytest.mark.integration

VERSIONS = [
    "وصل وفد عسكري تركي إلى مصراتة يوم الأحد والتقى قادة المنطقة العسكرية الوسطى لبحث برامج التدريب.",
    "وصل وفد عسكري تركي إلى مصراتة يوم الاثنين والتقى قادة المنطقة العسكرية الوسطى لبحث برامج التدريب والتسليح.",
    "وصل وفد عسكري تركي إلى طرابلس يوم الاثنين والتقى رئيس الأركان العامة لبحث برامج التدريب والتسليح.",
]


def _article(text: str) -> RawArticle:
    return RawArticle(id="corrected-1", text=text, source={"name": "integration"})


def test_a_correction_is_published_and_a_repeat_is_not(broker_check, tmp_path: Path) -> None:
    pipeline = start_pipeline(tmp_path / "run", ["normalise", "entities", "events", "stance"])
    watcher = TopicWatcher(pipeline.settings, [ENRICHED, PLOVER])
    try:
        first, corrected, last = (_article(text) for text in VERSIONS)
        publish(pipeline.settings, keyed([first]))
        watcher.wait(lambda: len(watcher.by_key(ENRICHED, "corrected-1")) >= 1, 120, "the first version")
        publish(pipeline.settings, keyed([corrected]))
        watcher.wait(lambda: len(watcher.by_key(ENRICHED, "corrected-1")) >= 2, 120, "the corrected version")
        # exact repeats of both versions, then a third version: same key, same partition, in order
        publish(pipeline.settings, keyed([first, corrected, corrected, last]))
        watcher.wait(lambda: len(watcher.by_key(ENRICHED, "corrected-1")) >= 3, 120, "the third version")
        watcher.quiet(2.0)
        records = watcher.by_key(ENRICHED, "corrected-1")
        values = [orjson.loads(r.value) for r in records]
        assert [v["text"] for v in values] == VERSIONS
        hashes = [v["content_hash"] for v in values]
        assert len(set(hashes)) == 3
        assert [dict(r.headers)[HEADER_REVISION].decode() for r in records] == hashes
        plover = watcher.by_key(PLOVER, "corrected-1")
        assert {dict(r.headers)[HEADER_REVISION].decode() for r in plover} <= set(hashes)
        ids_per_version: dict[str, list[str]] = {}
        for record in plover:
            ids_per_version.setdefault(dict(record.headers)[HEADER_REVISION].decode(), []).append(orjson.loads(record.value)["id"])
        assert all(len(ids) == len(set(ids)) for ids in ids_per_version.values()), ids_per_version
    finally:
        watcher.close()
        pipeline.stop()
