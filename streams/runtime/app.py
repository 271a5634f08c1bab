"""The composition root of a worker: settings → patches → Faust app → stage agents → web.

Nothing else builds a Faust app or applies a patch: ``marsad worker`` calls
:func:`create_app` and runs the app in a :class:`ServiceWorker`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import faust

from streams.io.topics import consumer_group
from streams.runtime import patches
from streams.runtime.rebalance_watch import watch_rebalances
from streams.runtime.statedir import claim_state_dir
from streams.settings import Settings
from streams.stages.spec import COMPACTED, STAGES, StageSpec


def create_app(settings: Settings, stages: Sequence[str | StageSpec]) -> faust.App:
    """One Faust app (one consumer group) running the given stages' agents.

    ``marsad worker --stage entities`` joins group ``marsad-entities``; ``--stage all``
    joins ``marsad-all`` and runs the four agents in one process. Don't mix the two on
    one cluster: both groups would consume the same input topics.
    """
    from streams.runtime.agent import register_agents
    from streams.runtime.context import stage_context
    from streams.runtime.web import register_web

    patches.apply()
    specs = [STAGES[stage] if isinstance(stage, str) else stage for stage in stages]
    context = stage_context(settings)
    group = specs[0].name if len(specs) == 1 else "all"
    app = faust.App(
        consumer_group(group),
        broker=settings.faust_broker(),
        broker_credentials=faust_credentials(settings),
        broker_client_id=consumer_group(group),
        autodiscover=False,
        key_serializer="raw",
        value_serializer="raw",
        datadir=str(claim_state_dir(settings.data_dir / consumer_group(group))),
        store="memory://",
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        topic_allow_declare=True,
        consumer_auto_offset_reset="earliest",
        consumer_max_fetch_size=settings.max_record_bytes,
        broker_max_poll_interval=settings.max_poll_interval,
        broker_session_timeout=settings.session_timeout,
        broker_heartbeat_interval=settings.heartbeat_interval,
        broker_rebalance_timeout=settings.rebalance_timeout,
        broker_commit_interval=settings.commit_interval,
        # wait for in-flight events before a rebalance or shutdown commits (the default,
        # stated because the delivery guarantee in docs/delivery.md depends on it)
        stream_wait_empty=True,
        # outputs go to the producer at once and their acknowledgements are awaited before
        # the input is acked (streams/runtime/sender.py), never attached to the event
        stream_publish_on_commit=False,
        producer_acks=-1,
        producer_max_request_size=settings.max_record_bytes,
        producer_max_batch_size=min(settings.producer_batch_bytes, settings.max_record_bytes),
        web_enabled=settings.web_enabled,
        web_bind=settings.web_host,
        web_host=settings.web_host,
        web_port=settings.web_port,
        web_in_thread=False,
        # only the documented endpoints (streams/runtime/web.py): Faust's own views show
        # tables (the gate's keys), the cluster's worker URLs, sensors and the service graph
        web_router_enabled=False,
        web_tables_enabled=False,
        web_stats_enabled=False,
        web_graph_enabled=False,
        web_metrics_enabled=False,
    )
    app.marsad_fetch_max_wait_ms = settings.fetch_max_wait_ms  # type: ignore[attr-defined]
    # room for the gate's table writes of a few batches (patches.producer_buffer_sized_by_the_app)
    app.marsad_producer_buffer = 4 * settings.batch_max  # type: ignore[attr-defined]
    app.marsad_settings = settings  # type: ignore[attr-defined] - read by the patches (partition ends)
    # the only topics whose offsets may jump (compaction): see patches.commit_only_what_was_processed
    app.marsad_gap_topics = frozenset(COMPACTED)  # type: ignore[attr-defined]
    agents = register_agents(app, settings, specs, context)
    keep_topics(app, settings, specs)
    if app.tables:
        from streams.runtime.recovery_watch import watch_recovery

        watch_recovery(app, settings)
    watch_rebalances(app, settings)
    if settings.web_enabled:
        register_web(app, settings, specs, agents)
    return app


def faust_credentials(settings: Settings) -> faust.types.auth.CredentialsT | None:
    """The settings' security options as Faust credentials (Faust hands them to aiokafka)."""
    from streams.io.connection import ssl_context

    context = ssl_context(settings)
    if settings.security_protocol.startswith("SASL"):
        password = settings.sasl_password.get_secret_value() if settings.sasl_password else ""
        return faust.SASLCredentials(
            username=settings.sasl_username, password=password, mechanism=settings.sasl_mechanism, ssl_context=context
        )
    if context is not None:
        return faust.SSLCredentials(context)
    return None


class ServiceWorker(faust.Worker):
    """A Faust worker without the terminal spinner.

    Faust drives its spinner from the root logger, which it sets to DEBUG for that: every
    debug call in Faust and aiokafka then builds a log record (several per message sent)
    only for the handler to drop it. That cost a third of a stage worker's CPU. A worker
    runs as a service whose output goes to a log, where the spinner's escape codes are
    noise anyway; without it the root logger keeps ``MARSAD_LOG_LEVEL``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spinner = None


def declare_topics(app: faust.App, settings: Settings, specs: Sequence[StageSpec], *, wait: float = 60.0) -> list[str]:
    """Before the worker starts: every topic its stages read and write exists, with the configured partitions.

    Missing topics are created (so it does not matter whether ``marsad topics create`` ran
    first); an existing topic, or a table changelog, with another count stops the worker
    with :class:`streams.io.kafka.TopicMismatch`. Runs on its own thread and event loop:
    the Faust worker owns the main thread's loop. Returns the topics created.
    """
    import asyncio
    import threading

    from streams.io.kafka import ensure_topics, wait_for_broker

    topics = sorted({topic for spec in specs for topic in spec.topics})
    compacted = sorted({spec.sink for spec in specs if spec.compacted and spec.sink})
    changelogs = sorted(table.changelog_topic.get_topic_name() for table in app.tables.values())
    result: list[list[str]] = []
    failure: list[BaseException] = []

    async def run() -> list[str]:
        await wait_for_broker(settings, timeout=wait)
        return await ensure_topics(settings, topics, verify=changelogs, compacted=compacted)

    def target() -> None:
        try:
            result.append(asyncio.run(run()))
        except BaseException as error:  # noqa: BLE001 - re-raised on the caller's thread
            failure.append(error)

    thread = threading.Thread(target=target, name="marsad-declare-topics")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0]


#: How often a running worker checks that its topics still exist (seconds).
TOPIC_CHECK_INTERVAL = 5.0


def keep_topics(app: faust.App, settings: Settings, specs: Sequence[StageSpec]) -> None:
    """While the worker runs, recreate its topics and table changelogs when the broker lost them.

    A broker that loses its data (the embedded broker keeps it in memory) comes back with
    no topics; until they exist no stage can commit or publish, and an intermediate topic
    nobody produces to would never come back. The check is one metadata request.
    """
    import logging

    from aiokafka.errors import KafkaError

    from streams.io.kafka import create_topics, partition_counts, started_admin

    log = logging.getLogger(__name__)
    topics = sorted({topic for spec in specs for topic in spec.topics})
    compacted = sorted({spec.sink for spec in specs if spec.compacted and spec.sink})
    seen: set[str] = set()  # changelogs seen to exist: Faust makes them at start, after this timer may first run
    admins: list[Any] = []  # one admin client kept between checks (opening one per check cost ~18 % of an idle worker)

    @app.timer(interval=TOPIC_CHECK_INTERVAL, name="marsad.keep-topics")
    async def recreate_lost_topics() -> None:
        changelogs = [table.changelog_topic.get_topic_name() for table in app.tables.values()]
        try:
            if not admins:
                admins.append(await started_admin(settings))
            admin = admins[0]
            created = await create_topics(
                settings, topics, compacted=[*compacted, *(c for c in changelogs if c in seen)], admin=admin
            )
            if not created:
                seen.update(await partition_counts(settings, changelogs, admin=admin))
        except KafkaError as error:
            while admins:  # a fresh connection next time (the broker may have restarted)
                await admins.pop().close()
            log.warning("could not check the topics (%s); next try in %.0f s", error, TOPIC_CHECK_INTERVAL)
            return
        if created:
            log.warning("the broker had lost %d topic(s); recreated: %s", len(created), ", ".join(created))
