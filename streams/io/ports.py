"""Which port a worker's health and metrics server listens on when none is configured.

Several workers on one host must not collide: without ``--web-port``/``MARSAD_WEB_PORT``
each stage has a port of its own (:data:`STAGE_PORTS`: 6066 for ``all``, then one per stage
in pipeline order), and a second worker of the same stage, finding it taken, gets a free
port from the system. The worker says which in its first log line.
"""

from __future__ import annotations

import errno
import socket

from streams.stages.spec import STAGE_NAMES

BASE_PORT = 6066
#: The port each ``--stage`` value prefers.
STAGE_PORTS: dict[str, int] = {"all": BASE_PORT, **{name: BASE_PORT + 1 + i for i, name in enumerate(STAGE_NAMES)}}


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether binding ``host:port`` fails now (checked like aiohttp binds: with SO_REUSEADDR)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as error:
            return error.errno == errno.EADDRINUSE  # another failure (a bad host) is the server's to report
    return False


def system_port(host: str = "127.0.0.1") -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def web_port_for(stage: str, host: str = "127.0.0.1") -> tuple[int, str]:
    """The port for a ``stage`` worker on ``host`` and why: (6068, "entities' port") or (41237, "...taken...")."""
    preferred = STAGE_PORTS.get(stage, BASE_PORT)
    if not port_in_use(preferred, host):
        return preferred, f"the {stage} stage's port; --web-port sets another"
    return system_port(host), f"{preferred}, the {stage} stage's port, is taken; a free one; --web-port sets another"
