"""The stories and store workers on the embedded broker, fed by the whole pipeline.

Raw articles written for the tests go in at the raw topic; the stories worker groups their
PLOVER events into stories on the compacted stories topic, and the store worker upserts
articles, PLOVER events and stories into the DuckDB file.
"""

from __future__ import annotations

import base64
import uuid

import orjson
import pytest

from models import DeadLetter, PloverEvent, Story
from streams.dashboard.store import Store, default_store_path
from streams.io.topics import DLQ, PLOVER, STORIES
from streams.settings import Settings
from streams.stages.stories import StoryState, apply

from .stories_support import later_article, many_meetings, meeting_articles
from .support import keyed, librdkafka_read, publish

PREFIX = f"it-story-{uuid.uuid4().hex[:6]}"


def latest_stories(watcher, articles: set[str]) -> dict[str, dict]:
    """The newest state of every story one of ``articles`` is in (the last record per key)."""
    latest: dict[str, dict] = {}
    for record in watcher.records(STORIES):
        data = orjson.loads(record.value)
        if set(data["articles"]) & articles:
            latest[record.key.decode()] = data
    return latest


@pytest.fixture(scope="module")
def published(pipeline, watcher) -> dict[str, dict]:
    """The three reports and the later meeting, through the pipeline; waits for their stories."""
    articles = [*meeting_articles(PREFIX), later_article(PREFIX)]
    publish(pipeline.settings, keyed(articles))
    ids = {article.id for article in articles}

    def settled() -> dict[str, dict] | None:
        stories = latest_stories(watcher, ids)
        covered = {article for story in stories.values() for article in story["articles"]}
        return stories if covered >= ids else None

    watcher.wait(settled, 180, "stories of the test articles")
    watcher.quiet(3.0, timeout=120)
    return latest_stories(watcher, ids)


def _story_with(stories: dict[str, dict], article: str) -> dict:
    [story] = [story for story in stories.values() if article in story["articles"]]
    return story


def test_three_outlets_one_story(published) -> None:
    meeting = _story_with(published, f"{PREFIX}-jazeera")
    assert meeting["type"] == "CONSULT"
    assert sorted(meeting["articles"]) == sorted(f"{PREFIX}-{name}" for name in ("jazeera", "arabiya", "anadolu"))
    assert meeting["num_sources"] == 3
    assert meeting["num_articles"] == 3
    assert {"Hakan Fidan"} <= {member["name"] for member in meeting["participants"]}
    assert meeting["evidence"]["article_id"] == f"{PREFIX}-jazeera"  # the earliest report


def test_the_same_parties_a_month_later_are_another_story(published) -> None:
    meeting = _story_with(published, f"{PREFIX}-jazeera")
    later = _story_with(published, f"{PREFIX}-later")
    assert later["id"] != meeting["id"]
    assert later["articles"] == [f"{PREFIX}-later"]
    assert later["num_sources"] == 1
    assert len(published) == 2


def test_a_replay_leaves_the_counts_unchanged(published, pipeline, watcher) -> None:
    """The articles again, and their PLOVER records redelivered: republished, not recounted."""
    ids = {article for story in published.values() for article in story["articles"]}
    before = {key: len(watcher.by_key(STORIES, key)) for key in published}
    publish(pipeline.settings, keyed([*meeting_articles(PREFIX), later_article(PREFIX)]))
    plover = [r for r in watcher.records(PLOVER) if r.key.decode() in ids]
    assert plover
    publish(pipeline.settings, [(r.key, r.value) for r in plover], topic=PLOVER)
    watcher.wait(
        lambda: all(len(watcher.by_key(STORIES, key)) > before[key] for key in published), 120, "the republished stories"
    )
    watcher.quiet(3.0, timeout=120)
    assert latest_stories(watcher, ids) == published


def test_librdkafka_reads_the_stories_as_clean_json(published, pipeline) -> None:
    pytest.importorskip("confluent_kafka")
    seen = {key: value for key, (value, _) in librdkafka_read(pipeline.broker.bootstrap, STORIES, pipeline.partitions, published).items()}
    assert set(published) <= set(seen)
    for key in published:
        text = seen[key].decode("utf-8")  # strict: clean UTF-8
        assert "__faust" not in text
        assert "\\u06" not in text, "Arabic must travel as UTF-8, not escaped"
        story = Story.from_json(text)
        assert story.id == key
        assert story.num_sources == len(story.sources)


def test_the_store_holds_each_record_once_after_the_replay(published, pipeline, watcher) -> None:
    ids = sorted({article for story in published.values() for article in story["articles"]})
    store = Store(default_store_path(Settings(data_dir=pipeline.workdir / "data")))  # the workers' MARSAD_DATA_DIR
    plover_ids = {PloverEvent.from_json(r.value).id for r in watcher.records(PLOVER) if r.key.decode() in ids}
    marks = ",".join("?" * len(ids))

    def stored() -> bool:
        try:
            rows = store.query(f"SELECT count(*) FROM articles WHERE id IN ({marks})", ids)
            stories = store.query("SELECT count(*) FROM stories WHERE id IN (" + ",".join("?" * len(published)) + ")", list(published))
        except Exception:  # noqa: BLE001 - not created yet / being written
            return False
        return rows[0][0] == len(ids) and stories[0][0] == len(published)

    watcher.wait(stored, 120, "the store worker to write the test records")
    assert store.query(f"SELECT id, count(*) FROM articles WHERE id IN ({marks}) GROUP BY id HAVING count(*) > 1", ids) == []
    rows = store.query(f"SELECT id, count(*) FROM plover WHERE article_id IN ({marks}) GROUP BY id", ids)
    assert {row[0] for row in rows} == plover_ids
    assert all(count == 1 for _, count in rows)
    stories = dict(store.query("SELECT id, num_sources FROM stories WHERE id IN (" + ",".join("?" * len(published)) + ")", list(published)))
    assert stories == {key: story["num_sources"] for key, story in published.items()}


def test_unreadable_records_amid_a_batch_are_dead_lettered_and_the_rest_fold(published, pipeline, watcher) -> None:
    """Garbage between good PLOVER records, all on one partition in one publish (one batch
    as the stories worker takes them): each bad record is a dead letter of the stories
    stage, and the good ones before and after it make the stories they make alone."""
    # meetings a year and more after the test articles': no story of theirs is near
    good = many_meetings(f"{PREFIX}-batch", 40)[-12:]
    state, wanted = StoryState(), {}
    for event in good:
        state, story = apply(state, event)
        if story is not None:
            wanted[story.id] = story.to_dict()
    assert len(wanted) == 3
    bad = [(f"{PREFIX}-garbage".encode(), b"\xff not json"), (f"{PREFIX}-not-plover".encode(), b'{"id": 7}')]
    messages = [(event.article_id.encode(), event.to_json()) for event in good]
    messages = messages[:5] + bad[:1] + messages[5:9] + bad[1:] + messages[9:]
    publish(pipeline.settings, messages, topic=PLOVER, partition=1)

    def stories_letters() -> dict[bytes, DeadLetter] | None:
        # the store worker reads the PLOVER topic too, and dead-letters the same garbage as "store"
        letters = [(r.key, DeadLetter.from_json(r.value)) for key, _ in bad for r in watcher.by_key(DLQ, key.decode())]
        found = {key: letter for key, letter in letters if letter.stage == "stories"}
        return found if len(found) == len(bad) else None

    letters = watcher.wait(stories_letters, 120, "the stories stage's dead letters")
    for key, value in bad:
        letter = letters[key]
        assert letter.topic == PLOVER
        payload = base64.b64decode(letter.payload) if letter.payload_encoding == "base64" else letter.payload.encode()
        assert payload == value

    def folded() -> dict[str, dict] | None:
        latest = {r.key.decode(): orjson.loads(r.value) for r in watcher.records(STORIES)}
        mine = {key: latest.get(key) for key in wanted}
        return mine if mine == wanted else None

    watcher.wait(folded, 120, "the good records' stories")
