"""What a stuck worker waits for: where each of its tasks is suspended, and what its producer holds.

Logged by :mod:`streams.runtime.rebalance_watch` before it stops a worker whose rebalance
makes no progress, so that the call that never returned is named in the log of the very
worker it stopped (Faust's flight recorder logs its own trace only at INFO).
"""

from __future__ import annotations

import asyncio
from typing import Any

import faust


def awaiting_chain(task: asyncio.Task) -> list[str]:
    """The coroutines ``task`` is suspended in, outer to inner, as ``module.function:line``
    (followed through ``cr_await``: a suspended task's own stack holds only its outer frame)."""
    chain: list[str] = []
    awaited: Any = task.get_coro()
    while awaited is not None and len(chain) < 64:
        frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None) or getattr(awaited, "ag_frame", None)
        if frame is None:
            break
        chain.append(f"{frame.f_globals.get('__name__', '?')}.{frame.f_code.co_name}:{frame.f_lineno}")
        awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None) or getattr(awaited, "ag_await", None)
    return chain


def waiting_at(tasks: set[asyncio.Task] | None = None, depth: int = 4, limit: int = 60) -> list[str]:
    """Where each pending task waits: the innermost ``depth`` coroutines it is suspended in."""
    found: list[str] = []
    for task in tasks if tasks is not None else asyncio.all_tasks():
        chain = [] if task.done() else awaiting_chain(task)
        if chain:
            found.append(f"{task.get_name()}: {' > '.join(chain[-depth:])}")
    return sorted(found)[:limit]


def worker_tasks(app: faust.App) -> set[asyncio.Task]:
    """The pending tasks of the worker's loop and of its consumer thread's loop (aiokafka's
    group coordinator runs there)."""
    tasks = set(asyncio.all_tasks())
    thread: Any = getattr(app.consumer, "_thread", None)  # noqa: SLF001 - Faust's consumer thread
    loop = getattr(thread, "thread_loop", None)
    if loop is not None and not loop.is_closed():
        try:
            tasks |= asyncio.all_tasks(loop)
        except RuntimeError:  # the other thread changed its task set meanwhile: the worker's own suffice
            pass
    return tasks


def producer_backlog(app: faust.App, limit: int = 20) -> list[str]:
    """The partitions the worker's producer holds unsent batches for, each with the leader its
    metadata knows (None: unknown, which makes aiokafka wait for it until the request timeout)."""
    producer: Any = getattr(app.producer, "_producer", None)  # noqa: SLF001 - aiokafka's producer under Faust's
    accumulator: Any = getattr(producer, "_message_accumulator", None)  # noqa: SLF001
    if accumulator is None:
        return []
    cluster = producer.client.cluster
    queued = [
        f"{tp.topic}[{tp.partition}]: {len(batches)} queued, leader {cluster.leader_for_partition(tp)}, "
        f"partitions known {sorted(cluster.partitions_for_topic(tp.topic) or ())}"
        for tp, batches in list(accumulator._batches.items())  # noqa: SLF001
        if batches
    ]
    return [*sorted(queued)[:limit], f"{len(accumulator._pending_batches)} batch(es) in flight"]  # noqa: SLF001
