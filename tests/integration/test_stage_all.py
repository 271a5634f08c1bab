"""``marsad worker --stage all``: one process, one group (marsad-all), the four agents.

This pipeline also runs with lowered limits (they are configurable): articles up to
5 000 characters, raw messages up to 20 kB, records up to 40 kB, which a 4 900-character
article's events record (about 43 kB) exceeds. It ends by stopping its broker to see
readiness drop to 503.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import orjson
import pytest

from models import DeadLetter, Event, RawArticle
from streams.stages.plover import crosswalk
from streams.tools.runner import LocalPipeline
from streams.stages.pipeline import default_context, process_article
from streams.io.topics import DLQ, ENRICHED, PLOVER
from streams.stages.spec import STAGES

from .conftest import managed_pipeline
from .support import TopicWatcher, keyed, publish, sample_articles, seed_articles, variants, without

pytestmark = pytest.mark.integration

LIMIT = 6_000
MESSAGE_BYTES = 20_000
RECORD_BYTES = 40_000


@pytest.fixture(scope="module")
def single(broker_check, tmp_path_factory) -> Iterator[LocalPipeline]:
    limits = {
        "MARSAD_MAX_ARTICLE_CHARS": str(LIMIT),
        "MARSAD_MAX_MESSAGE_BYTES": str(MESSAGE_BYTES),
        "MARSAD_MAX_RECORD_BYTES": str(RECORD_BYTES),
    }
    yield from managed_pipeline(tmp_path_factory.mktemp("stage-all"), ["all"], limits)


@pytest.fixture(scope="module")
def reader(single) -> Iterator[TopicWatcher]:
    watching = TopicWatcher(single.settings, [ENRICHED, DLQ, PLOVER])
    yield watching
    watching.close()


def test_one_worker_runs_all_stages_in_group_marsad_all(single) -> None:
    (worker,) = single.live_workers()
    answer = worker.readiness()
    assert answer["status"] == 200
    assert answer["stages"] == list(STAGES)
    # it holds every partition of every topic a stage reads (the stories stage's internal
    # repartition topic included); a topic two stages read is assigned once
    read = {topic for spec in STAGES.values() for topic in spec.input_topics}
    read |= {spec.aggregation.repartition for spec in STAGES.values() if spec.aggregation}
    assert answer["assigned_partitions"] == len(read) * single.partitions
    assert (single.workdir / "data" / "marsad-all").is_dir()


def test_stage_all_output_equals_the_offline_path(single, reader) -> None:
    raws = [a.model_copy(update={"id": f"all-{n}"}) for n, a in enumerate(sample_articles() + seed_articles())]
    publish(single.settings, keyed(raws))
    reader.wait_keys(ENRICHED, [a.id for a in raws], timeout=90)
    reader.quiet(1.0)
    context = default_context()
    streamed = {r.key.decode(): orjson.loads(r.value) for r in reader.records(ENRICHED)}
    for raw in raws:
        offline = process_article(RawArticle.model_validate(raw.to_dict()), context).to_dict()
        assert without(streamed[raw.id], "processed_at") == without(offline, "processed_at"), raw.id
    assert sorted(reader.keys(ENRICHED)[a.id] for a in raws) == [1] * len(raws)
    events = sum(  # PLOVER records: the events PLOVER has a category for
        crosswalk().code(Event.model_validate(e)) is not None for a in raws for e in streamed[a.id]["events"]
    )
    assert len([r for r in reader.records(PLOVER) if r.key.decode().startswith("all-")]) == events


def test_the_article_limit_is_configurable(single, reader) -> None:
    long_one = variants("all-long", 1)[0]
    long_one = long_one.model_copy(update={"text": (long_one.text + "\n") * (LIMIT // len(long_one.text) + 1)})
    assert len(long_one.text) > LIMIT
    publish(single.settings, keyed([long_one]))
    (record,) = reader.wait(lambda: reader.by_key(DLQ, long_one.id), 60, "the dead letter")
    letter = DeadLetter.from_json(record.value)
    assert letter.error == "ArticleTooLarge:too_large"
    assert f"the limit is {LIMIT}" in letter.message
    assert letter.stage == "normalise"


def test_an_output_the_producer_refuses_is_dead_lettered(single, reader) -> None:
    """Within every input limit, yet the events stage's output outgrows MARSAD_MAX_RECORD_BYTES."""
    base = variants("all-wide", 1)[0]
    text = "\n".join(a.text for a in sample_articles())[: LIMIT - 100]
    wide = base.model_copy(update={"text": text, "title": None})
    # the premise, in-process: its entities record passes the limit, its events record does not
    entities = STAGES["entities"].run(STAGES["normalise"].run(wide, default_context()), default_context())
    assert len(entities.to_json()) < RECORD_BYTES < len(STAGES["events"].run(entities, default_context()).to_json())
    neighbour = variants("all-wide-next", 1)[0]
    publish(single.settings, keyed([wide, neighbour]))
    (record,) = reader.wait(lambda: reader.by_key(DLQ, wide.id), 60, "the dead letter")
    letter = DeadLetter.from_json(record.value)
    assert letter.stage == "events"
    assert letter.error == "MessageSizeTooLargeError"
    assert "could not publish the" in letter.message and "to marsad.articles.events" in letter.message
    assert letter.details["output_bytes"] > RECORD_BYTES
    assert letter.details["payload_truncated"] is True  # the input (an entities record) kept up to 20 kB
    assert len(letter.payload.encode()) <= MESSAGE_BYTES
    reader.wait_keys(ENRICHED, [neighbour.id])  # the stream went on
    assert reader.keys(ENRICHED)[wide.id] == 0


def test_readyz_turns_503_when_the_broker_is_gone(single) -> None:
    (worker,) = single.live_workers()
    assert worker.readiness()["status"] == 200
    single.broker.stop()
    try:
        deadline = time.monotonic() + 30
        answer = worker.readiness()
        while answer.get("status") != 503 and time.monotonic() < deadline:
            time.sleep(0.3)
            answer = worker.readiness()
        assert answer["status"] == 503, answer
        assert answer["broker_reachable"] is False and answer["ready"] is False
        status, _ = worker.get("/healthz")
        assert status == 200  # alive, just not ready
    finally:
        worker.kill()  # nothing to shut down cleanly against: spare the teardown its timeout
