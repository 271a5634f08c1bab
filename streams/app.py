"""The Faust app, built from settings for the stages one worker runs."""

from __future__ import annotations

import ssl
from collections.abc import Sequence

import faust

from streams.settings import Settings
from streams.topics import consumer_group


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

    group = stages[0] if len(stages) == 1 else "all"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        consumer_group(group),
        broker=settings.broker,
        broker_credentials=_credentials(settings),
        autodiscover=False,
        key_serializer="raw",
        value_serializer="raw",
        datadir=str(settings.data_dir / consumer_group(group)),
        store="memory://",
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        topic_allow_declare=True,
        consumer_auto_offset_reset="earliest",
        broker_max_poll_interval=settings.max_poll_interval,
        broker_session_timeout=settings.session_timeout,
        broker_heartbeat_interval=settings.heartbeat_interval,
        broker_commit_interval=settings.commit_interval,
        producer_acks=-1,
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


def _credentials(settings: Settings) -> faust.types.auth.CredentialsT | None:
    context = None
    if settings.security_protocol in ("SSL", "SASL_SSL"):
        context = ssl.create_default_context(cafile=str(settings.ssl_cafile) if settings.ssl_cafile else None)
    if settings.security_protocol.startswith("SASL"):
        password = settings.sasl_password.get_secret_value() if settings.sasl_password else ""
        return faust.SASLCredentials(
            username=settings.sasl_username, password=password, mechanism=settings.sasl_mechanism, ssl_context=context
        )
    if context is not None:
        return faust.SSLCredentials(context)
    return None
