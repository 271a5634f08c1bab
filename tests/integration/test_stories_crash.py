"""The stories worker killed with ``-9`` mid-stream, restarted, joined by a second worker:
its stories end the same as the same events folded without a crash.

The PLOVER events go to one partition of the PLOVER topic, so the regroup agent forwards
them in one order and the expected stories are the pure stage's fold of that order.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import orjson
import pytest

from streams.io.topics import PLOVER, STORIES
from streams.stages.stories import StoryState, apply
from streams.tools.runner import LocalPipeline

from .conftest import managed_pipeline
from .stories_support import many_meetings
from .support import TopicWatcher, publish

MEETINGS = 120  # four PLOVER events each


@pytest.fixture(scope="module")
def stories_pipeline(broker_check, tmp_path_factory) -> Iterator[LocalPipeline]:
    yield from managed_pipeline(tmp_path_factory.mktemp("stories-crash"), ["stories"])


def expected(events) -> dict[str, dict]:
    state, latest = StoryState(), {}
    for event in events:
        state, story = apply(state, event)
        if story is not None:
            latest[story.id] = story.to_dict()
    return latest


def test_a_killed_stories_worker_ends_with_the_same_stories(stories_pipeline) -> None:
    pipeline = stories_pipeline
    events = many_meetings(f"it-crash-{uuid.uuid4().hex[:6]}", MEETINGS)
    wanted = expected(events)
    assert len(wanted) == MEETINGS and all(story["num_sources"] == 3 for story in wanted.values())
    watcher = TopicWatcher(pipeline.settings, [STORIES])
    messages = [(event.article_id.encode(), event.to_json()) for event in events]

    def feed() -> None:
        for start in range(0, len(messages), 20):
            publish(pipeline.settings, messages[start : start + 20], topic=PLOVER, partition=0)
            time.sleep(0.1)

    feeder = threading.Thread(target=feed, daemon=True)
    try:
        feeder.start()
        watcher.wait(lambda: len(watcher.records(STORIES)) >= 60, 120, "the first stories")
        [worker] = pipeline.live_workers("stories")
        worker.kill()  # SIGKILL mid-stream: no commit, no flush
        assert len(watcher.records(STORIES)) < len(events), "the crash came too late to test anything"
        restarted = pipeline.restart(worker)
        second = pipeline.add_worker("stories")  # a rebalance: table partitions move to it
        pipeline.wait_ready(timeout=120, workers=[restarted, second])
        feeder.join(120)

        def final() -> dict[str, dict] | None:
            latest = {r.key.decode(): orjson.loads(r.value) for r in watcher.records(STORIES)}
            mine = {key: value for key, value in latest.items() if key in wanted}
            return mine if mine == wanted else None

        try:
            watcher.wait(final, 180, "the stories to reach their final state")
        except AssertionError:
            latest = {r.key.decode(): orjson.loads(r.value) for r in watcher.records(STORIES)}
            wrong = [key for key in wanted if latest.get(key) != wanted[key]]
            extra = [key for key in latest if key not in wanted]
            raise AssertionError(f"{len(wrong)} of {len(wanted)} stories differ, {len(extra)} unexpected") from None
    finally:
        watcher.close()
