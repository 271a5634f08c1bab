"""``marsad demo``: the whole pipeline on the embedded broker, end to end, then shut down."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from models import DeadLetter, EnrichedArticle
from streams.io.kafka import consume
from streams.io.replay import prepare, publish
from streams.tools.report import summarise
from streams.tools.runner import LocalPipeline
from streams.io.sources import iter_sources
from streams.io.topics import DLQ, ENRICHED
from streams.stages.spec import STAGE_NAMES

if TYPE_CHECKING:
    from streams.dashboard.store import Store


async def collect(settings, expected: set[str], timeout: float) -> tuple[dict[str, EnrichedArticle], dict[str, DeadLetter]]:
    """Read the enriched and dead-letter topics until every expected id came out of one."""
    enriched: dict[str, EnrichedArticle] = {}
    dead: dict[str, DeadLetter] = {}

    async def read(topic: str) -> None:
        async for record in consume(settings, topic, from_beginning=True, timeout=timeout):
            key = record.key.decode() if record.key else ""
            if topic == ENRICHED:
                enriched[key] = EnrichedArticle.from_json(record.value)
            else:
                dead[key] = DeadLetter.from_json(record.value)
            if expected <= set(enriched) | set(dead):
                return

    readers = [asyncio.create_task(read(ENRICHED)), asyncio.create_task(read(DLQ))]
    done, pending = await asyncio.wait(readers, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    deadline = time.monotonic() + timeout
    while not expected <= set(enriched) | set(dead) and time.monotonic() < deadline and any(not t.done() for t in readers):
        await asyncio.sleep(0.1)
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    del done, pending
    return enriched, dead


def run_demo(
    paths: list[Path], *, out: Path | None, timeout: float, echo: Callable[..., None], dashboard_port: int | None = None
) -> int:
    messages, report = prepare(iter_sources(paths))
    if not messages:
        echo("no articles found", err=True)
        return 1
    started = time.perf_counter()
    # with the dashboard, the store worker writes the user's store (MARSAD_STORE, else
    # ./marsad-data/marsad.duckdb) and keeps writing while the dashboard serves it
    store = _user_store() if dashboard_port is not None else None
    env = {"MARSAD_STORE": str(store.path)} if store is not None else {}
    echo(
        f"starting the embedded broker and {len(STAGE_NAMES)} stage workers ({', '.join(STAGE_NAMES)}; "
        f"{len(messages)} articles to replay) …",
        err=True,
    )
    with LocalPipeline(extra_env=env) as pipeline:
        # the address lets another shell (or a test) feed the running pipeline: marsad replay FILE --broker URL
        echo(f"embedded broker at {pipeline.broker.url}", err=True)
        pipeline.wait_ready(timeout=timeout)
        echo(f"workers ready after {time.perf_counter() - started:.1f} s; replaying into marsad.articles.raw", err=True)
        asyncio.run(publish(pipeline.settings, messages, show_progress=False))
        enriched, dead = asyncio.run(collect(pipeline.settings, set(report.ids), timeout))
        elapsed = time.perf_counter() - started
        if store is not None and dashboard_port is not None:
            _print_results(report.ids, enriched, dead, out, elapsed, echo)
            _serve_live(store, set(enriched), dashboard_port, timeout, echo)
            return 0 if set(report.ids) <= set(enriched) | set(dead) else 1
        echo("stopping workers and broker", err=True)
    return _print_results(report.ids, enriched, dead, out, elapsed, echo)


def _user_store() -> Store:
    from streams.dashboard.store import Store, default_store_path
    from streams.settings import Settings

    return Store(default_store_path(Settings()).resolve())


def _serve_live(store: Store, ids: set[str], port: int, timeout: float, echo: Callable[..., None]) -> None:
    """Once the store worker has written the demo's articles, serve the dashboard until Ctrl-C (workers keep running)."""
    from streams.dashboard.server import serve

    deadline = time.monotonic() + timeout
    stored = 0
    marks = ",".join("?" * len(ids))
    while ids and time.monotonic() < deadline:
        try:
            stored = store.query(f"SELECT count(DISTINCT id) FROM articles WHERE id IN ({marks})", sorted(ids))[0][0]
        except Exception:  # noqa: BLE001 - the store worker has not created the file yet
            stored = 0
        if stored >= len(ids):
            break
        time.sleep(0.3)
    echo(f"the store worker wrote {stored} of {len(ids)} article(s) (and their events and stories) to {store.path}", err=True)
    serve(store, port=port, echo=echo)
    echo("stopping workers and broker", err=True)


def _print_results(
    ids: list[str], enriched: dict[str, EnrichedArticle], dead: dict[str, DeadLetter], out: Path | None,
    elapsed: float, echo: Callable[..., None],
) -> int:
    for key in ids:
        if key in enriched:
            echo(summarise(enriched[key]) + "\n")
        elif key in dead:
            letter = dead[key]
            echo(f"■ {key}  dead-lettered at {letter.stage}: {letter.error}: {letter.message}\n")
    missing = [key for key in ids if key not in enriched and key not in dead]
    if out is not None:
        with open(out, "wb") as sink:
            for key in ids:
                if key in enriched:
                    sink.write(enriched[key].to_json() + b"\n")
        echo(f"wrote {len(enriched)} enriched record(s) to {out}", err=True)
    echo(
        f"{len(enriched)} enriched, {len(dead)} dead-lettered, {len(missing)} missing, in {elapsed:.1f} s",
        err=True,
    )
    return 1 if missing else 0
