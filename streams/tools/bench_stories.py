"""Step 5 of ``marsad bench``: the stories worker folding PLOVER records in bulk.

The stories stage is no article stage: its input is the events stage's PLOVER records,
several per article. Its worker starts once the article stages' measurements are over,
folds what they published, and then, per repeat, is handed the PLOVER records of fresh
articles (built offline by the stages' own functions) all at once; a repeat lasts until
the worker's ``marsad_processed_total`` has counted every one of them.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from aiokafka import TopicPartition

from models import RawArticle
from streams.io.replay import publish
from streams.io.topics import PLOVER
from streams.io.logend import log_ends
from streams.stages.pipeline import process_article
from streams.stages.plover import plover_events
from streams.stages.spec import StageContext
from streams.tools.runner import metric

STAGE = "stories"


@dataclass
class StoriesRuns:
    """Records per second and CPU ms per record of each repeat; PLOVER records per article."""

    records_per_s: list[float]
    cpu_ms_per_record: list[float]
    records_per_article: float

    #: The keys :meth:`figures` gives (``marsad bench --json``).
    FIGURES: ClassVar[tuple[str, ...]] = (
        "stories_records_per_s", "stories_cpu_ms_per_record", "stories_aps", "plover_records_per_article",
    )

    def figures(self) -> dict[str, float]:
        """Medians; ``stories_aps`` is the records/s in articles' worth of PLOVER records."""
        per_s = statistics.median(self.records_per_s)
        values = (per_s, statistics.median(self.cpu_ms_per_record), per_s / self.records_per_article, self.records_per_article)
        return dict(zip(self.FIGURES, values))


def plover_payloads(corpus: Sequence[RawArticle], context: StageContext) -> list[tuple[bytes, bytes]]:
    """The PLOVER records the events stage publishes for ``corpus``, keyed by article id."""
    payloads = []
    for raw in corpus:
        for event in plover_events(process_article(raw, context), context.pipeline_version):
            payloads.append((event.article_id.encode(), event.to_json()))
    return payloads


def processed(worker: Any) -> float:
    """The worker's ``marsad_processed_total`` for the stories stage (0 before its first record)."""
    return metric(worker.metrics(), "marsad_processed_total", stage=STAGE)


def _wait_processed(worker: Any, count: float, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while processed(worker) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the stories worker folded {processed(worker):.0f} of {count:.0f} records in {timeout:.0f} s")
        time.sleep(0.05)


def measure_stories(
    pipeline: Any,
    sampler: Any,
    batches: Callable[[], Sequence[tuple[bytes, bytes]]],
    *,
    articles: int,
    repeats: int,
    log: Callable[[str], None],
    timeout: float = 300.0,
) -> StoriesRuns:
    """Start the stories worker, let it fold the PLOVER topic, then time ``repeats`` bulks."""
    settings = pipeline.settings
    worker = pipeline.add_worker(STAGE)
    sampler.watch(STAGE, worker.process.pid)
    pipeline.wait_ready(timeout=120, workers=[worker])
    ends = asyncio.run(log_ends(settings, [TopicPartition(PLOVER, p) for p in range(pipeline.partitions)]))
    folded = float(sum(ends.values()))
    _wait_processed(worker, folded, timeout)
    log(f"    the worker folded the {folded:.0f} PLOVER records of steps 2-4")
    runs = StoriesRuns([], [], 0.0)
    sizes = []
    for repeat in range(repeats):
        payloads = batches()
        sizes.append(len(payloads))
        before = sampler.cpu_seconds()[STAGE]
        started = time.monotonic()
        asyncio.run(publish(settings, payloads, topic=PLOVER, show_progress=False, linger_ms=5))
        folded += len(payloads)
        _wait_processed(worker, folded, timeout)
        seconds = time.monotonic() - started
        cpu = sampler.cpu_seconds()[STAGE] - before
        runs.records_per_s.append(len(payloads) / seconds)
        runs.cpu_ms_per_record.append(cpu / len(payloads) * 1000)
        log(f"    repeat {repeat + 1}/{repeats}: {len(payloads)} records, {runs.records_per_s[-1]:.0f} records/s, "
            f"{runs.cpu_ms_per_record[-1]:.2f} ms CPU per record")
    runs.records_per_article = statistics.mean(sizes) / articles
    return runs
