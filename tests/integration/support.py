"""Helpers of the integration suite: a topic watcher, publishing, the CLI, metrics, articles."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from aiokafka.partitioner import DefaultPartitioner

from models import RawArticle
from streams.io.kafka import producer
from streams.tools.runner import LocalPipeline, Worker, metric
from streams.settings import Settings
from streams.io.sources import iter_sources
from streams.io.topics import ENRICHED, RAW
from streams.stages.spec import TOPICS

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "streams" / "samples"
SEEDS = REPO.parent / "shared" / "seeds"

T = TypeVar("T")


# --------------------------------------------------------------------------- articles


def sample_articles() -> list[RawArticle]:
    """The bundled samples, as ``marsad replay`` reads them."""
    return [item.article for item in iter_sources([SAMPLES]) if item.article is not None]


def seed_articles() -> list[RawArticle]:
    if not SEEDS.is_dir():
        return []
    return [item.article for item in iter_sources([SEEDS]) if item.article is not None]


def variant(prefix: str, number: int) -> RawArticle:
    """Article ``{prefix}-{number}``: a sample with a numbered closing line."""
    base = sample_articles()
    article = base[number % len(base)]
    return article.model_copy(update={"id": f"{prefix}-{number}", "text": f"{article.text}\nتحديث رقم {number} من الوكالة."})


def variants(prefix: str, count: int) -> list[RawArticle]:
    """``count`` distinct articles ``{prefix}-{i}`` (see :func:`variant`)."""
    return [variant(prefix, number) for number in range(count)]


def keyed(articles: Iterable[RawArticle]) -> list[tuple[bytes, bytes]]:
    return [(article.id.encode(), article.to_json()) for article in articles]  # type: ignore[union-attr]


def partition_for(key: bytes, partitions: int) -> int:
    """The partition the producers' default partitioner (murmur2) picks for ``key``."""
    every = list(range(partitions))
    return DefaultPartitioner()(key, every, every)


# --------------------------------------------------------------------------- publishing


def publish(
    settings: Settings,
    messages: Sequence[tuple[bytes | None, bytes]],
    *,
    topic: str = RAW,
    partition: int | None = None,
    headers: list[tuple[str, bytes]] | None = None,
) -> None:
    """Send keyed values and wait for every acknowledgement."""

    async def run() -> None:
        client = producer(settings)
        await client.start()
        try:
            futures = [
                await client.send(topic, value, key=key, partition=partition, headers=headers) for key, value in messages
            ]
            await asyncio.gather(*futures)
        finally:
            await client.stop()

    asyncio.run(run())


def publish_paced(settings: Settings, articles: Sequence[RawArticle], rate: float) -> threading.Thread:
    """Publish in a background thread at ``rate`` articles per second; join the thread to wait."""
    from streams.io.replay import publish as replay_publish

    messages = [(article.id, article.to_json()) for article in articles]  # type: ignore[misc]
    thread = threading.Thread(
        target=lambda: asyncio.run(replay_publish(settings, messages, rate=rate, show_progress=False)),  # type: ignore[arg-type]
        daemon=True,
    )
    thread.start()
    return thread


class PacedFeed:
    """Publishes ``{prefix}-0``, ``{prefix}-1``, … at ``rate`` per second in a background
    thread until :meth:`stop`: a stream that is still flowing whatever the machine's load."""

    def __init__(self, settings: Settings, prefix: str, rate: float, limit: int = 100_000):
        from streams.io.replay import publish as replay_publish

        self.count = 0
        self._stop = threading.Event()

        def messages() -> Iterator[tuple[str, bytes]]:
            for number in range(limit):
                if self._stop.is_set():
                    return
                article = variant(prefix, number)
                self.count += 1
                yield article.id, article.to_json()  # type: ignore[misc]

        self.thread = threading.Thread(
            target=lambda: asyncio.run(replay_publish(settings, messages(), rate=rate, show_progress=False)),
            daemon=True,
        )
        self.thread.start()

    @property
    def running(self) -> bool:
        return self.thread.is_alive()

    def stop(self, timeout: float = 60) -> int:
        """Stop after the article being sent; returns how many were published."""
        self._stop.set()
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the feed did not stop"
        return self.count


# --------------------------------------------------------------------------- reading


class TopicWatcher:
    """Reads topics from their beginning in a background thread and keeps every record.

    Tests publish unique ids and wait for them here instead of re-reading topics.
    """

    def __init__(self, settings: Settings, topics: Sequence[str] = TOPICS):
        self.settings = settings
        self.topics = list(topics)
        self._records: dict[str, list[Any]] = {topic: [] for topic in self.topics}
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.last_record_at = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="topic-watcher", daemon=True)
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError(f"topic watcher did not start: {self._error!r}")

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as error:  # noqa: BLE001 - reported by wait()
            self._error = error
            self._ready.set()

    async def _main(self) -> None:
        consumer = AIOKafkaConsumer(
            *self.topics,
            bootstrap_servers=self.settings.bootstrap_servers(),
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            max_partition_fetch_bytes=16_000_000,
            fetch_max_wait_ms=100,
        )
        await consumer.start()
        self._ready.set()
        try:
            while not self._stop.is_set():
                batch = await consumer.getmany(timeout_ms=200, max_records=1000)
                if batch:
                    with self._cond:
                        for tp, records in batch.items():
                            self._records[tp.topic].extend(records)
                        self.last_record_at = time.monotonic()
                        self._cond.notify_all()
        finally:
            await consumer.stop()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def records(self, topic: str) -> list[Any]:
        with self._cond:
            return list(self._records[topic])

    def keys(self, topic: str) -> Counter[str]:
        return Counter(r.key.decode("utf-8", "replace") for r in self.records(topic) if r.key is not None)

    def by_key(self, topic: str, key: str) -> list[Any]:
        wanted = key.encode()
        return [r for r in self.records(topic) if r.key == wanted]

    def wait(self, predicate: Callable[[], T], timeout: float, what: str) -> T:
        """Until ``predicate()`` is truthy (re-checked on every new record, at least every 0.5 s)."""
        deadline = time.monotonic() + timeout
        while True:
            if self._error is not None:
                raise RuntimeError(f"topic watcher failed: {self._error!r}")
            with self._cond:
                result = predicate()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
                self._cond.wait(min(0.5, remaining))

    def wait_keys(self, topic: str, keys: Iterable[str], timeout: float = 60.0) -> Counter[str]:
        wanted = set(keys)

        def arrived() -> Counter[str] | None:
            seen = Counter(
                r.key.decode() for r in self._records[topic] if r.key is not None and r.key.decode("utf-8", "replace") in wanted
            )
            return seen if len(seen) == len(wanted) else None

        try:
            return self.wait(arrived, timeout, f"{len(wanted)} key(s) on {topic}")
        except AssertionError:
            missing = sorted(wanted - set(self.keys(topic)))
            where = keys_by_topic(self.settings, missing)
            raise AssertionError(
                f"{len(missing)} of {len(wanted)} key(s) never reached {topic}: {missing[:10]}; "
                f"of those, read again from each topic's start: {where}"
            ) from None

    def quiet(self, seconds: float = 1.5, timeout: float = 60.0) -> None:
        """Until no record arrived on any watched topic for ``seconds``."""
        self.wait(lambda: time.monotonic() - self.last_record_at >= seconds, timeout, "the topics to go quiet")


def keys_by_topic(settings: Settings, keys: Sequence[str], topics: Sequence[str] = TOPICS) -> dict[str, str]:
    """Where ``keys`` are, each topic read again from its start by a new consumer.

    A failing wait says where the missing articles stopped: per topic, how many of them it
    holds, the partitions and offsets they sit at, and each consuming stage's committed
    offsets and log ends there (a stage that skipped them, one stuck before them, or a
    watcher that missed records the topic has).
    """
    from streams.io.topics import consumer_group
    from streams.stages.spec import STAGES

    wanted = {key.encode() for key in keys}
    readers = {topic: spec.name for spec in STAGES.values() for topic in spec.input_topics}

    async def committed(group: str, tps: list[TopicPartition]) -> dict[int, int | None]:
        reader = AIOKafkaConsumer(bootstrap_servers=settings.bootstrap_servers(), group_id=group, enable_auto_commit=False)
        await reader.start()
        try:
            return {tp.partition: await reader.committed(tp) for tp in tps}
        finally:
            await reader.stop()

    async def run() -> dict[str, str]:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=settings.bootstrap_servers(), enable_auto_commit=False, fetch_max_wait_ms=100
        )
        await consumer.start()
        out: dict[str, str] = {}
        try:
            for topic in topics:
                try:
                    parts = await asyncio.wait_for(consumer._client._wait_on_metadata(topic), 5)  # noqa: SLF001
                except (asyncio.TimeoutError, KafkaError):
                    parts = set()
                tps = [TopicPartition(topic, p) for p in sorted(parts)]
                if not tps:
                    continue
                consumer.assign(tps)
                await consumer.seek_to_beginning(*tps)
                seen: set[bytes] = set()
                at: dict[int, list[int]] = {}
                idle = 0
                while idle < 5:
                    batch = await consumer.getmany(timeout_ms=300, max_records=5000)
                    idle = 0 if batch else idle + 1
                    for tp, records in batch.items():
                        for r in records:
                            if r.key in wanted:
                                seen.add(r.key)
                                at.setdefault(tp.partition, []).append(r.offset)
                where = " ".join(f"[{p}]@{min(o)}-{max(o)}" for p, o in sorted(at.items()))
                text = f"{len(seen)} {where}".strip()
                if at and topic in readers:
                    spots = [tp for tp in tps if tp.partition in at]
                    ends = {tp.partition: consumer.highwater(tp) for tp in spots}
                    offsets = await committed(consumer_group(readers[topic]), spots)
                    text += f"; {readers[topic]} committed {offsets}, ends {ends}"
                out[topic] = text
        finally:
            await consumer.stop()
        return out

    try:
        return asyncio.run(run())
    except Exception as error:  # noqa: BLE001 - a diagnostic only
        return {"(read failed)": repr(error)[:200]}


def count_of(counter: Counter[str], prefix: str) -> tuple[int, int]:
    """(distinct ids with ``prefix``, duplicates among them)."""
    mine = {k: v for k, v in counter.items() if k.startswith(prefix)}
    return len(mine), sum(v - 1 for v in mine.values())


def enriched_values(watcher: TopicWatcher) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for record in watcher.records(ENRICHED):
        out.setdefault(record.key.decode(), []).append(orjson.loads(record.value))
    return out


def without(record: dict, *fields: str) -> dict:
    return {k: v for k, v in record.items() if k not in fields}


# --------------------------------------------------------------------------- workers


def metrics(worker: Worker) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """The worker's ``/metrics`` as {(sample name, sorted labels): value}."""
    return worker.metrics()


def wait_caught_up(pipeline: LocalPipeline, timeout: float = 60.0) -> None:
    """Until every running worker reports zero consumer lag on all its partitions."""
    deadline = time.monotonic() + timeout
    while True:
        lags = {}
        for worker in pipeline.live_workers():
            try:
                lags[f"{worker.stage}/{worker.pid}"] = metric(metrics(worker), "marsad_consumer_lag")
            except AssertionError:
                lags[f"{worker.stage}/{worker.pid}"] = -1
        if all(lag == 0 for lag in lags.values()):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"workers still lagging after {timeout} s: {lags}")
        time.sleep(0.3)


def start_pipeline(workdir: Path, stages: Sequence[str], extra_env: dict[str, str] | None = None) -> LocalPipeline:
    pipeline = LocalPipeline(stages, partitions=4, workdir=workdir, extra_env=extra_env)
    started = time.monotonic()
    pipeline.start()
    try:
        pipeline.wait_ready(timeout=120)
    except BaseException:
        pipeline.stop()
        raise
    print(f"\n[pipeline {list(stages)} ready in {time.monotonic() - started:.1f} s, workdir {workdir}]")
    return pipeline


# --------------------------------------------------------------------------- the CLI


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """``marsad ARGS`` in a subprocess (the venv's interpreter), with MARSAD_* from ``env`` only."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("MARSAD_")}
    base.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "streams.cli", *args],
        env=base,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )


def librdkafka_read(bootstrap: str, topic: str, partitions: int, keys: Iterable[str], timeout: float = 60.0) -> dict[str, tuple[bytes, list]]:
    """Read ``topic`` from the beginning with confluent-kafka (librdkafka, not aiokafka) until every
    key has arrived or the timeout passes: the latest value and headers per key."""
    import uuid

    import confluent_kafka

    wanted = set(keys)
    consumer = confluent_kafka.Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"it-librdkafka-{uuid.uuid4().hex[:8]}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    seen: dict[str, tuple[bytes, list]] = {}
    try:
        # assign, not subscribe: no group join (Tansu completes joins after session.timeout / 2)
        consumer.assign([confluent_kafka.TopicPartition(topic, p, confluent_kafka.OFFSET_BEGINNING) for p in range(partitions)])
        deadline = time.monotonic() + timeout
        while not wanted <= set(seen) and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None:
                continue
            assert message.error() is None, message.error()
            seen[message.key().decode("utf-8")] = (message.value(), message.headers() or [])
    finally:
        consumer.close()
    return seen
