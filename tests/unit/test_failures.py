"""Operator-facing failure lines (issue #10, items 7 and 8): secrets masked, ports that do not collide."""

from __future__ import annotations

import socket

import pytest

from streams.io.failures import broker_unreachable, file_problem, redact, secrets_in_environment
from streams.io.ports import STAGE_PORTS, port_in_use, web_port_for
from streams.stages.spec import STAGE_NAMES


@pytest.mark.parametrize(
    "text",
    [
        "Unable to bootstrap from [('bob:hunter2pw@10.0.0.5', 9092)]",
        "must use kafka://host:port, got 'sasl_ssl://bob:hunter2pw@broker.example:9093'",
        "broker kafka://bob:hunter2pw@broker.example:9092 unreachable",
    ],
)
def test_a_password_in_a_broker_url_is_masked(text: str) -> None:
    masked = redact(text, secrets=[])
    assert "hunter2pw" not in masked
    assert "***@" in masked


def test_the_sasl_password_and_broker_url_passwords_are_masked_anywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARSAD_SASL_PASSWORD", "s3cr3t-sasl")
    monkeypatch.setenv("MARSAD_BROKER", "kafka://alice:url-pass-9@host:9092")
    assert set(secrets_in_environment()) == {"s3cr3t-sasl", "url-pass-9"}
    line = redact("auth failed with s3cr3t-sasl; retry url-pass-9 later")
    assert "s3cr3t-sasl" not in line and "url-pass-9" not in line
    assert "s3cr3t-sasl" not in broker_unreachable("kafka://alice:url-pass-9@host:9092", ConnectionError("s3cr3t-sasl"))


def test_broker_and_file_lines_name_the_cause_and_the_fix() -> None:
    line = broker_unreachable("kafka://127.0.0.1:1", ConnectionRefusedError(), waited=5)
    assert "\n" not in line
    assert "unreachable after 5 s" in line and "marsad broker" in line and "MARSAD_BROKER" in line
    problem = file_problem(FileNotFoundError(2, "No such file or directory", "/nowhere/out.jsonl"), "--out")
    assert problem == "--out /nowhere/out.jsonl: No such file or directory"


def test_each_stage_prefers_a_port_of_its_own() -> None:
    assert set(STAGE_PORTS) == {"all", *STAGE_NAMES}
    assert len(set(STAGE_PORTS.values())) == len(STAGE_PORTS)


def test_a_taken_stage_port_gives_way_to_a_free_one() -> None:
    preferred = STAGE_PORTS["entities"]
    holder = socket.socket()
    try:
        try:
            holder.bind(("127.0.0.1", preferred))
            holder.listen()
        except OSError:
            pass  # already taken by something else on this host: the same case
        assert port_in_use(preferred)
        port, why = web_port_for("entities")
        assert port != preferred
        assert "taken" in why
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", port))  # the port given is free
    finally:
        holder.close()
