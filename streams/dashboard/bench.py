"""Dashboard latency with a full store: ``python -m streams.dashboard.bench [--articles 10000]``.

Fills a temporary store with synthetic articles (the bundled samples, processed once,
copied under new ids, outlets, dates and stance scores: the same shape as real records),
serves it, and prints the store load time and the latency of the page and of each API
answer, cold (right after a write, so nothing is cached) and warm.
"""

from __future__ import annotations

import argparse
import os
import asyncio
import random
import statistics
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from streams.dashboard.server import make_app
from streams.dashboard.store import Store, load_records

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def synthetic_records(
    count: int, *, base: list[Path] | None = None, outlets: int = 12, days: int = 365, seed: int = 7
) -> Iterator[dict[str, Any]]:
    """``count`` enriched records made from real ones (ids, outlets, dates, scores varied).

    ``base``: enriched JSONL or article files (default: the bundled samples, processed here).
    """
    from streams.tools.offline import enriched_records

    samples = [record.to_dict() for record in enriched_records(base or [SAMPLES])]
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for number in range(count):
        record = dict(samples[number % len(samples)])
        outlet = number % outlets
        score = max(-1.0, min(1.0, rng.gauss(0.6 * ((outlet % 5) - 2) / 2, 0.3)))
        record["id"] = f"synthetic-{number:06d}"
        record["source"] = {"name": f"outlet {outlet + 1:02d}", "url": None, "file": None}
        record["published_at"] = (start + timedelta(minutes=rng.randrange(days * 24 * 60))).isoformat()
        record["stance"] = {
            **record["stance"],
            "score": round(score, 3),
            "label": "supportive" if score > 0.25 else "critical" if score < -0.25 else "neutral",
        }
        yield record


class _Server:
    """The dashboard on a free port in a background thread."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.port = 0
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        runner = web.AppRunner(make_app(self.store))
        self._loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._ready.set()
        self._loop.run_forever()

    def __enter__(self) -> _Server:
        self._thread.start()
        self._ready.wait(30)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._loop.stop)

    def get(self, path: str) -> tuple[float, float, int]:
        """Wall-clock ms, CPU ms of this process (server and client: independent of other load), bytes."""
        started, cpu = time.perf_counter(), time.process_time()
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=60) as response:
            size = len(response.read())
        return (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000, size


def run(count: int, repeats: int = 5, base: list[Path] | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as directory:
        store = Store(Path(directory) / "bench.duckdb")
        records = list(synthetic_records(count, base=base))
        started = time.perf_counter()
        load_records(store, records)
        load_s = time.perf_counter() - started
        extra = [{**record, "id": f"late-{number}"} for number, record in enumerate(synthetic_records(count + 50, base=base, seed=99))][count:]
        figures: dict[str, Any] = {"articles": count, "load_s": round(load_s, 2), "requests": {}}
        paths = {
            "page (HTML)": "/",
            "all views (/api/page)": "/api/page",
            "timeline, camp filter": "/api/events?camp=haftar",
            "timeline, actor filter": "/api/events?actor=Khalifa%20Haftar",
            "article view": f"/api/article/{records[count // 2]['id']}",
            "version poll": "/api/version",
        }
        upserts: list[float] = []
        with _Server(store) as server:
            server.get("/api/page")  # first connection, imports
            for name, path in paths.items():
                cold, cold_cpu, warm, size = [], [], [], 0
                for _ in range(repeats):
                    began = time.perf_counter()
                    store.upsert([extra[len(upserts) % len(extra)]])  # a new article lands: caches are stale
                    upserts.append((time.perf_counter() - began) * 1000)
                    took, cpu, size = server.get(path)
                    cold.append(took)
                    cold_cpu.append(cpu)
                    warm.append(server.get(path)[0])
                figures["requests"][name] = {
                    "cold_ms": round(statistics.median(cold), 1),
                    "cold_cpu_ms": round(statistics.median(cold_cpu), 1),
                    "warm_ms": round(statistics.median(warm), 1),
                    "bytes": size,
                }
        figures["upsert_one_ms"] = round(statistics.median(upserts), 1)
        figures["load_average"] = round(os.getloadavg()[0], 1)
        figures["cpus"] = os.cpu_count()
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--base", type=Path, nargs="*", help="enriched JSONL or articles to copy (default: the samples)")
    args = parser.parse_args()
    figures = run(args.articles, args.repeats, args.base)
    print(f"store: {figures['articles']} synthetic articles loaded in {figures['load_s']} s; "
          f"upsert of one article {figures['upsert_one_ms']} ms (median)")
    print(f"machine: {figures['cpus']} CPUs, load average {figures['load_average']} at the end (other load inflates wall times)")
    print(f"{'request':<26}{'cold ms':>10}{'cold CPU ms':>13}{'warm ms':>10}{'bytes':>12}   (median of {args.repeats}; cold = first after a write)")
    for name, values in figures["requests"].items():
        print(f"{name:<26}{values['cold_ms']:>10}{values['cold_cpu_ms']:>13}{values['warm_ms']:>10}{values['bytes']:>12}")


if __name__ == "__main__":
    main()
