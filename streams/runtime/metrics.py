"""Prometheus metrics per stage, and the readiness probe's broker check."""

from __future__ import annotations

import asyncio

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)

PROCESSED = Counter("marsad_processed", "Messages a stage processed successfully", ["stage"], registry=REGISTRY)
FAILED = Counter("marsad_failed", "Messages a stage could not process", ["stage", "error"], registry=REGISTRY)
DEAD_LETTERED = Counter("marsad_dead_lettered", "Messages sent to the dead-letter topic", ["stage"], registry=REGISTRY)
DUPLICATES = Counter(
    "marsad_duplicates_suppressed", "Outputs not republished: already published by this version", ["stage"], registry=REGISTRY
)
RECONCILED = Counter(
    "marsad_gate_reconciled",
    "Published records the publish-once gate found on its output topic past its watermark (acknowledged, "
    "but their table update was lost in a crash)",
    ["stage"],
    registry=REGISTRY,
)
GAPS = Counter(
    "marsad_offset_gaps",
    "Input messages skipped over within one assignment (should stay 0; see streams.runtime.patches.seek_before_resume)",
    ["stage"],
    registry=REGISTRY,
)
TABLE_REBUILDS = Counter(
    "marsad_table_rebuilds",
    "Table partitions whose changelog ended below what had been read from it (a broker that lost it), rebuilt from it",
    ["changelog"],
    registry=REGISTRY,
)
SKIPPED_OFFSETS = Counter(
    "marsad_offsets_skipped",
    "Offsets read past because the broker no longer has them: a hole in its log (the gate's reconciliation), or input deleted before it was read (retention)",
    ["topic"],
    registry=REGISTRY,
)
RECOVERY_RESTARTS = Counter(
    "marsad_recovery_restarts",
    "Table recoveries started again because the changelog offsets they waited for no longer existed",
    ["changelog"],
    registry=REGISTRY,
)
OFFSET_RESETS = Counter(
    "marsad_offset_resets",
    "Committed offsets found past their partition's end (a broker that lost its log) and reset to earliest",
    ["topic"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "marsad_processing_seconds",
    "Time from the start of a message's batch until its outputs were acknowledged, in a stage",
    ["stage"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    registry=REGISTRY,
)
LAG = Gauge("marsad_consumer_lag", "Messages behind the end of the input partition", ["stage", "partition"], registry=REGISTRY)


def labelled(metric: Gauge) -> list[tuple[str, ...]]:
    """The label values of every series ``metric`` holds (prometheus_client has no public listing)."""
    return list(metric._metrics)  # noqa: SLF001


def metrics_text() -> bytes:
    return generate_latest(REGISTRY)


async def broker_reachable(servers: list[str], timeout: float = 1.0) -> bool:
    """True when a TCP connection to any bootstrap server opens in time."""
    for server in servers:
        host, _, port = server.rpartition(":")
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host or "localhost", int(port)), timeout)
        except (OSError, asyncio.TimeoutError, ValueError):
            continue
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass
        return True
    return False
