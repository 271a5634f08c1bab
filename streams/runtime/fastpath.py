"""Hot-path changes to Faust and aiokafka that cut a worker's CPU per message (issue #11).

:mod:`streams.runtime.patches` fixes behaviour; this module changes nothing a test could
see except CPU time. Each function patches a library in place, is idempotent and says
why. :func:`apply` applies them all — :func:`streams.runtime.agent.register_agents` calls
it before the worker starts — and refuses to run on library versions they were not
written for (the same :data:`streams.runtime.patches.WRITTEN_FOR` series: the code patched
is private and changes between releases).
"""

from __future__ import annotations

import collections.abc
import os
import time
from typing import Any

from streams.runtime.patches import check_versions

#: A fetcher that got no records for this long slows its polling down (seconds).
IDLE_AFTER = 1.0
#: The long-poll wait of an idle fetcher (ms), when its configured wait is shorter.
IDLE_WAIT_MS = 50
#: Opt-in (not yet default) for :func:`slower_polling_when_idle`: set to 1 to apply it.
IDLE_POLLING_ENV = "MARSAD_FASTPATH_IDLE_POLLING"


def apply() -> None:
    """Check the versions, then apply every change (idempotent).

    :func:`slower_polling_when_idle` only with ``MARSAD_FASTPATH_IDLE_POLLING=1``: it cut
    idle CPU threefold, but one kill -9 resilience run with it lost the race against the
    test's settle timeout on a machine at load 8, and there was no time left to tell a
    slow machine from a real delay (see BENCHMARKS.md).
    """
    check_versions()
    plain_mapping_check()
    if os.environ.get(IDLE_POLLING_ENV) == "1":
        slower_polling_when_idle()


def plain_mapping_check() -> None:
    """Faust's producer checks every record's headers with ``isinstance(headers, typing.Mapping)``.

    ``typing.Mapping`` is an alias whose ``isinstance`` goes through ``typing``'s Python
    ``__instancecheck__`` before reaching ``collections.abc.Mapping``: measured at up to
    11 % of a stage worker's busy time. The module's name ``Mapping`` is only used for that
    check at run time (annotations were evaluated at import), so it is pointed at the ABC
    itself: the same answer for every object, in C.
    """
    from faust.transport.drivers import aiokafka as driver

    if driver.Mapping is not collections.abc.Mapping:
        driver.Mapping = collections.abc.Mapping  # type: ignore[misc]


def slower_polling_when_idle() -> None:
    """An idle consumer long-polls for ``IDLE_WAIT_MS`` instead of its short configured wait.

    The embedded broker does not answer a waiting fetch when data arrives, so workers
    on it poll every ``MARSAD_FETCH_MAX_WAIT_MS`` (10 ms): a hundred fetch round trips a
    second per worker, each a few asyncio hand-offs and aiokafka's pure-Python protocol —
    measured at 8 % of a core per idle worker and 21 % for the broker. A fetcher that got
    records within the last ``IDLE_AFTER`` seconds keeps its configured wait, so a busy
    pipeline's hops are as short as before; one idle for longer polls at ``IDLE_WAIT_MS``
    until records come again (the first record after an idle second may wait that much
    longer per hop). Waits configured at or above ``IDLE_WAIT_MS`` (a real Kafka broker,
    which answers at once when data arrives) are left alone.
    """
    from aiokafka.consumer.fetcher import Fetcher

    if getattr(Fetcher, "_marsad_idle_polling", False):
        return
    fetch = Fetcher._proc_fetch_request

    async def _proc_fetch_request(self: Any, assignment: Any, node_id: Any, request: Any) -> Any:
        got = await fetch(self, assignment, node_id, request)
        base = getattr(self, "_marsad_base_wait_ms", None)
        if base is None:
            base = self._marsad_base_wait_ms = self._fetch_max_wait_ms
            self._marsad_last_data = time.monotonic()
        if base >= IDLE_WAIT_MS:
            return got
        if got:
            self._marsad_last_data = time.monotonic()
            self._fetch_max_wait_ms = base
        elif time.monotonic() - self._marsad_last_data > IDLE_AFTER:
            self._fetch_max_wait_ms = IDLE_WAIT_MS
        return got

    Fetcher._proc_fetch_request = _proc_fetch_request  # type: ignore[method-assign]
    Fetcher._marsad_idle_polling = True  # type: ignore[attr-defined]
