"""After a revocation longer than the max poll interval, aiokafka's member still rejoins.

aiokafka's own ``GroupCoordinator.ensure_active_group`` runs here on a real
``SubscriptionState``; only the network steps (the join itself, the heartbeat task) are
replaced by recorders. Without :func:`streams.runtime.patches.rejoin_after_a_long_revocation`
a member revoked long ago, which has not fetched since (Faust fetches nothing until it is
assigned again), backs off and never joins: the hang seen after a broker restart.
"""

from __future__ import annotations

import asyncio
import time

from aiokafka.consumer.group_coordinator import GroupCoordinator
from aiokafka.consumer.subscription_state import SubscriptionState

from streams.runtime import patches

MAX_POLL_S = 3.0


def _revoked_member(idle_for: float) -> tuple[GroupCoordinator, list[str]]:
    """A member that ran its revocation and has fetched nothing for ``idle_for`` seconds."""
    calls: list[str] = []
    member = GroupCoordinator.__new__(GroupCoordinator)  # no client: the network steps are recorders
    state = SubscriptionState()
    state.subscribe({"marsad.articles.entities"})
    state._last_fetch_ended = time.monotonic() - idle_for  # noqa: SLF001
    member._subscription = state  # noqa: SLF001
    member._performed_join_prepare = True  # noqa: SLF001 - the revocation callback has run
    member._max_poll_interval = MAX_POLL_S  # noqa: SLF001
    member._retry_backoff_ms = 10  # noqa: SLF001

    async def stop_heartbeat() -> None:
        calls.append("stop heartbeat")

    async def rejoin(subscription) -> bool:
        calls.append("join")
        return False  # stays revoked: the next attempt must try again too

    member._stop_heartbeat_task = stop_heartbeat  # type: ignore[method-assign]
    member._do_rejoin_group = rejoin  # type: ignore[method-assign]
    return member, calls


def test_a_member_revoked_longer_ago_than_the_max_poll_interval_rejoins() -> None:
    patches.rejoin_after_a_long_revocation()

    async def run() -> list[str]:
        member, calls = _revoked_member(idle_for=MAX_POLL_S * 10)
        for _ in range(2):
            await member.ensure_active_group(member._subscription.subscription, prev_assignment=object())  # noqa: SLF001
        return calls

    calls = asyncio.run(run())
    assert calls.count("join") == 2, calls  # unpatched: two back-offs and no join


def test_the_idle_clock_restarts_only_when_no_fetch_is_under_way() -> None:
    async def run() -> None:
        member, _ = _revoked_member(idle_for=MAX_POLL_S * 10)
        state = member._subscription  # noqa: SLF001
        state._fetch_count = 1  # noqa: SLF001 - a fetch under way: aiokafka counts the member as busy
        patches.restart_idle_clock(state)
        state._fetch_count = 0  # noqa: SLF001
        assert state.fetcher_idle_time >= MAX_POLL_S * 10  # the clock was left alone
        patches.restart_idle_clock(state)
        assert state.fetcher_idle_time < 1.0

    asyncio.run(run())
