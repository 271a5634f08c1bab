"""``marsad demo``: the whole pipeline on the embedded broker, end to end, then shut down."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path



from models import DeadLetter, EnrichedArticle
from streams.io.kafka import consume
from streams.io.replay import prepare, publish
from streams.tools.report import summarise
from streams.tools.runner import LocalPipeline
from streams.io.sources import iter_sources
from streams.io.topics import DLQ, ENRICHED


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
    echo(f"starting the embedded broker and 4 stage workers ({len(messages)} articles to replay) …", err=True)
    with LocalPipeline() as pipeline:
        pipeline.wait_ready(timeout=timeout)
        echo(f"workers ready after {time.perf_counter() - started:.1f} s; replaying into marsad.articles.raw", err=True)
        asyncio.run(publish(pipeline.settings, messages, show_progress=False))
        enriched, dead = asyncio.run(collect(pipeline.settings, set(report.ids), timeout))
        elapsed = time.perf_counter() - started
        echo(f"stopping workers and broker", err=True)
    for key in report.ids:
        if key in enriched:
            echo(summarise(enriched[key]) + "\n")
        elif key in dead:
            letter = dead[key]
            echo(f"■ {key}  dead-lettered at {letter.stage}: {letter.error}: {letter.message}\n")
    missing = [key for key in report.ids if key not in enriched and key not in dead]
    if out is not None:
        with open(out, "wb") as sink:
            for key in report.ids:
                if key in enriched:
                    sink.write(enriched[key].to_json() + b"\n")
        echo(f"wrote {len(enriched)} enriched record(s) to {out}", err=True)
    echo(
        f"{len(enriched)} enriched, {len(dead)} dead-lettered, {len(missing)} missing, in {elapsed:.1f} s",
        err=True,
    )
    if dashboard_port is not None:  # the store worker comes later: fill the store from the records here
        from streams.dashboard.commands import serve_demo

        serve_demo([enriched[key] for key in report.ids if key in enriched], port=dashboard_port, echo=echo)
    return 1 if missing else 0



