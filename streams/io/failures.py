"""What a command prints when it cannot go on: one line naming the cause and the fix.

The commands turn the failures an operator meets (broker down, a file that cannot be read
or written) into such a line instead of a traceback, and every line goes through
:func:`redact` first: a password given in ``MARSAD_BROKER`` (``kafka://user:pass@host``,
``sasl_ssl://user:pass@host``) or in ``MARSAD_SASL_PASSWORD`` never reaches the terminal.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable

#: ``scheme://user:secret@`` or ``user:secret@``: the secret part is masked.
_USERINFO = re.compile(r"(?P<prefix>(?:[A-Za-z][A-Za-z0-9+.-]*://)?[^\s:/@'\"]*):(?P<secret>[^\s/@'\"]+)@")
#: ``scheme://user@``: a user name alone is masked too (it is half of a credential).
_USER_ONLY = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^\s:/@'\"]+@")
MASK = "***"


def secrets_in_environment(environ: dict[str, str] | None = None, extra: Iterable[str | None] = ()) -> list[str]:
    """Secret strings to mask: the SASL password, and any password written into a broker URL."""
    environ = dict(os.environ) if environ is None else environ
    found = [environ.get("MARSAD_SASL_PASSWORD", "")]
    for value in [environ.get("MARSAD_BROKER"), *extra]:
        for match in _USERINFO.finditer(value or ""):
            found.append(match.group("secret"))
    return sorted({secret for secret in found if len(secret) >= 3}, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str] | None = None) -> str:
    """``text`` with credentials in URLs and every known secret string masked."""
    text = _USERINFO.sub(lambda m: f"{m.group('prefix')}:{MASK}@", text)
    text = _USER_ONLY.sub(lambda m: f"{m.group('scheme')}{MASK}@", text)
    for secret in secrets_in_environment() if secrets is None else secrets:
        text = text.replace(secret, MASK)
    return text


def has_credentials(broker: str) -> bool:
    """Whether a broker URL carries ``user[:password]@`` (credentials belong in MARSAD_SASL_*)."""
    return "@" in broker


def broker_unreachable(broker: str, error: BaseException, *, waited: float | None = None) -> str:
    """The line for a broker that does not answer."""
    after = f" after {waited:g} s" if waited else ""
    return redact(
        f"broker {broker} unreachable{after} ({type(error).__name__}): start it (`marsad broker`) "
        f"or point --broker / MARSAD_BROKER at a running one"
    )


def file_problem(error: OSError, what: str = "") -> str:
    """``--out /x/y.jsonl: cannot write (No such file or directory)``."""
    name = error.filename if error.filename is not None else "?"
    reason = error.strerror or type(error).__name__
    prefix = f"{what} " if what else ""
    return redact(f"{prefix}{name}: {reason}")


def quiet_client_logs() -> None:
    """Keep the Kafka client's own connection errors off a command's stderr (the command says it once)."""
    for name in ("aiokafka", "kafka"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
