"""How every Kafka client of the project connects: brokers, TLS, SASL (one mapping).

The commands' aiokafka clients take :func:`client_options`; the workers' Faust app takes
the same settings through ``streams.runtime.app.faust_credentials`` and :func:`ssl_context`.
"""

from __future__ import annotations

import ssl
from typing import Any

from streams.settings import Settings


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """The TLS context for ``SSL``/``SASL_SSL`` (CA bundle, optional client certificate)."""
    if settings.security_protocol not in ("SSL", "SASL_SSL"):
        return None
    context = ssl.create_default_context(cafile=str(settings.ssl_cafile) if settings.ssl_cafile else None)
    if settings.ssl_certfile is not None and settings.ssl_keyfile is not None:
        context.load_cert_chain(str(settings.ssl_certfile), str(settings.ssl_keyfile))
    context.check_hostname = settings.ssl_check_hostname
    return context


def client_options(settings: Settings) -> dict[str, Any]:
    """Connection options every aiokafka client shares (security included).

    The same mapping as :func:`streams.runtime.app.faust_credentials` gives the workers, so the
    commands and the workers always connect the same way.
    """
    options: dict[str, Any] = {"bootstrap_servers": settings.bootstrap_servers()}
    if settings.security_protocol != "PLAINTEXT":
        options["security_protocol"] = settings.security_protocol
        context = ssl_context(settings)
        if context is not None:
            options["ssl_context"] = context
        if settings.security_protocol.startswith("SASL"):
            options["sasl_mechanism"] = settings.sasl_mechanism
            options["sasl_plain_username"] = settings.sasl_username
            options["sasl_plain_password"] = settings.sasl_password.get_secret_value() if settings.sasl_password else None
    return options
