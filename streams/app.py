"""The Faust app, built from settings for the stages one worker runs."""

from __future__ import annotations

from collections.abc import Sequence

import faust
from faust.serializers import codecs

from streams.settings import Settings
from streams.topics import consumer_group

#: Faust codecs that run code (or construct arbitrary objects) while decoding. Marsad
#: moves raw bytes only (orjson + pydantic on either side), so these are removed from
#: the registry: no topic, table or channel can be configured to use them by mistake.
UNSAFE_CODECS = ("pickle", "pickle_restricted", "pickle_fickling", "yaml")


def disable_unsafe_codecs() -> None:
    for name in UNSAFE_CODECS:
        codecs.codecs.pop(name, None)


def seek_before_resume() -> None:
    """Make Faust re-read, after every assignment, everything not committed.

    Two defects of Faust 0.15 + aiokafka lose messages for the life of a worker (they
    come back only after a restart, since their offsets are never committed):

    1. aiokafka starts fetching a newly assigned partition before Faust pauses it; what
       it fetches meanwhile reaches Faust while the flow is suspended and is dropped,
       yet advances Faust's *read offset*. Faust then seeks to the committed offset,
       but ``AIOKafkaConsumer.seek_to_committed`` skips partitions whose committed
       offset is 0 (or absent), so those records are never fetched again. Seen on
       every ``marsad reprocess --from-beginning``.
    2. Faust resumes the partitions *before* seeking, with the fetcher running, so the
       re-fetched records can meet a read offset already advanced by the dropped ones
       and be dropped as "already read" (seen after about one restart in three).

    The replacement seeks while the partitions are still paused — to the committed
    offset, or explicitly to 0 when aiokafka would not — then, with no ``await`` in
    between, resets the read offsets to the committed ones, resumes the partitions and
    the flow. Faust has this sequence twice (after a table recovery, and when none was
    needed); both are replaced. Idempotent.
    """
    import asyncio

    from faust.tables.recovery import Recovery

    if getattr(Recovery, "_marsad_seek_first", False):
        return

    async def seek_streams(self: Recovery, generation_id: int) -> bool:
        consumer = self.app.consumer
        timeout = self.app.conf.broker_request_timeout
        self.log.info("Seek stream partitions to committed offsets (before resuming them).")
        await self._wait(consumer.perform_seek(), timeout=timeout)
        streams = {tp for tp in consumer.assignment() if not self._is_changelog_tp(tp)}
        committed = consumer._committed_offset  # noqa: SLF001 - Faust keeps 0 and "none" as None
        for tp in streams:
            if not committed.get(tp):
                await self._wait(consumer.seek(tp, 0), timeout=timeout)  # earliest, if 0 is gone
        if self.app.consumer_generation_id != generation_id:
            self.log.warning("Recovery rebalancing again")
            return False
        for tp in streams:  # forget what was fetched, and dropped, before the seeks
            consumer._read_offset[tp] = committed.get(tp) or None  # noqa: SLF001
        consumer.resume_partitions(streams)
        return True

    async def _resume_streams(self: Recovery, generation_id: int = 0) -> None:
        app = self.app
        consumer = app.consumer
        await app.on_rebalance_complete.send()
        assignment = consumer.assignment()
        if self.app.consumer_generation_id != generation_id:
            self.log.warning("Recovery rebalancing again")
            return
        if assignment:
            if not await seek_streams(self, generation_id):
                return
        else:
            self.log.info("Resuming streams with empty assignment")
        self.completed.set()
        # no await since the partitions were resumed: nothing is fetched while the flow is off
        self.log.info("Resuming flow...")
        app.flow_control.resume()
        consumer.resume_flow()
        await app._fetcher.maybe_start()  # noqa: SLF001 - as Faust does
        self.tables.on_actives_ready()
        self.tables.on_standbys_ready()
        app.on_rebalance_end()
        self.log.info("Worker ready")

    async def on_recovery_completed(self: Recovery, generation_id: int = 0) -> None:
        consumer = self.app.consumer
        self.log.info("Restore complete!")
        await self.app.on_rebalance_complete.send()
        self._set_recovery_ended()
        callback_coros = [
            asyncio.ensure_future(
                table.on_recovery_completed(self.actives_for_table[table], self.standbys_for_table[table])
            )
            for table in self.tables.values()
        ]
        if callback_coros:
            await asyncio.wait(callback_coros)
        if self.app.consumer_generation_id != generation_id:
            self.log.warning("Recovery rebalancing again")
            return
        if consumer.assignment():
            if not await seek_streams(self, generation_id):
                return
        self.completed.set()
        # no await since the partitions were resumed: nothing is fetched while the flow is off
        self.app.flow_control.resume()
        consumer.resume_flow()
        await self.app._fetcher.maybe_start()  # noqa: SLF001 - as Faust does
        self.tables.on_actives_ready()
        if not self.app.assignor.assigned_standbys():
            self.tables.on_standbys_ready()
        self.app.on_rebalance_end()
        self.log.info("Worker ready")

    Recovery._resume_streams = _resume_streams  # type: ignore[method-assign]
    Recovery.on_recovery_completed = on_recovery_completed  # type: ignore[method-assign]
    Recovery._marsad_seek_first = True  # type: ignore[attr-defined]


def create_app(settings: Settings, stages: Sequence[str]) -> faust.App:
    """One Faust app (one consumer group) running the given stages' agents.

    ``marsad worker --stage entities`` joins group ``marsad-entities``; ``--stage all``
    joins ``marsad-all`` and runs the four agents in one process. Don't mix the two on
    one cluster: both groups would consume the same input topics.
    """
    from streams.agents import register_agents
    from streams.kafka import apply_broker_compat
    from streams.web import register_web

    apply_broker_compat()
    seek_before_resume()
    disable_unsafe_codecs()
    group = stages[0] if len(stages) == 1 else "all"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        consumer_group(group),
        broker=settings.faust_broker(),
        broker_credentials=faust_credentials(settings),
        broker_client_id=consumer_group(group),
        autodiscover=False,
        key_serializer="raw",
        value_serializer="raw",
        datadir=str(settings.data_dir / consumer_group(group)),
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
        # stated because the delivery guarantee in streams.agents depends on it)
        stream_wait_empty=True,
        producer_acks=-1,
        producer_max_request_size=settings.max_record_bytes,
        web_enabled=settings.web_enabled,
        web_bind=settings.web_host,
        web_host=settings.web_host,
        web_port=settings.web_port,
        web_in_thread=False,
    )
    register_agents(app, settings, stages)
    if settings.web_enabled:
        register_web(app, settings, stages)
    return app


def faust_credentials(settings: Settings) -> faust.types.auth.CredentialsT | None:
    """The settings' security options as Faust credentials (Faust hands them to aiokafka)."""
    from streams.kafka import ssl_context

    context = ssl_context(settings)
    if settings.security_protocol.startswith("SASL"):
        password = settings.sasl_password.get_secret_value() if settings.sasl_password else ""
        return faust.SASLCredentials(
            username=settings.sasl_username, password=password, mechanism=settings.sasl_mechanism, ssl_context=context
        )
    if context is not None:
        return faust.SSLCredentials(context)
    return None
