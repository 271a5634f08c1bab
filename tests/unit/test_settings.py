"""Settings refuse values no worker can run with (issue #10, item 11), each with one line naming the variable."""

from __future__ import annotations

import os

import pytest
from pydantic import ValidationError

from streams.settings import ENV_PREFIX, Settings, describe_error, valid_host


def _refusal(**env: str) -> str:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        with pytest.raises(ValidationError) as error:
            Settings()
    return describe_error(error.value)


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "Infinity", "1e300"])
@pytest.mark.parametrize(
    "name",
    ["MARSAD_MAX_POLL_INTERVAL", "MARSAD_SESSION_TIMEOUT", "MARSAD_STALL_SECONDS", "MARSAD_PROCESSING_BUDGET",
     "MARSAD_COMMIT_INTERVAL", "MARSAD_REBALANCE_TIMEOUT", "MARSAD_HEARTBEAT_INTERVAL"],
)
def test_non_finite_or_absurd_durations_are_refused_in_one_line(name: str, value: str) -> None:
    message = _refusal(**{name: value})
    assert message.startswith(f"{name}: ") and "\n" not in message, message


@pytest.mark.parametrize("value", ["not a host", "http://example.org", "host:6066", "bad_host!", "-leading", "a..b", "", "x" * 300])
def test_a_web_host_that_is_no_host_is_refused(value: str) -> None:
    message = _refusal(MARSAD_WEB_HOST=value)
    assert message.startswith("MARSAD_WEB_HOST: must be an IP address or a host name") and repr(value) in message


@pytest.mark.parametrize("value", ["127.0.0.1", "0.0.0.0", "::", "::1", "localhost", "worker-1.marsad.svc.cluster.local", "kafka_1"])
def test_addresses_and_host_names_are_web_hosts(value: str) -> None:
    assert valid_host(value)
    assert Settings(web_host=value).web_host == value


def test_a_broker_host_that_is_no_host_is_refused() -> None:
    assert "MARSAD_BROKER: must be kafka://host:port" in _refusal(MARSAD_BROKER="kafka://no such host:9092")
    assert Settings(broker="kafka://[::1]:9092").bootstrap_servers() == ["[::1]:9092"]


def test_the_bounds_keep_the_defaults_and_ordinary_values() -> None:
    settings = Settings(max_poll_interval=300, session_timeout=45, heartbeat_interval=3, stall_seconds=600)
    assert settings.max_poll_interval == 300.0 and settings.stall_seconds == 600.0
    defaults = Settings()
    assert (defaults.max_poll_interval, defaults.session_timeout, defaults.processing_budget) == (30.0, 10.0, 10.0)


def test_the_callers_marsad_settings_do_not_reach_the_tests() -> None:
    """tests/conftest.py clears every MARSAD_ setting before each test, whatever the shell exported."""
    leaked = [name for name in os.environ if name.startswith(ENV_PREFIX) and name.removeprefix(ENV_PREFIX).lower() in Settings.model_fields]
    assert leaked == []
    assert Settings().broker == "kafka://localhost:9092"


@pytest.mark.parametrize("value", ["0", "-1", "100000", "many"])
def test_a_batch_size_out_of_bounds_is_refused_in_one_line(value: str) -> None:
    message = _refusal(MARSAD_BATCH_MAX=value)
    assert message.startswith("MARSAD_BATCH_MAX: ") and "\n" not in message, message
    assert Settings(batch_max=1).batch_max == 1 and Settings().batch_max == 100


@pytest.mark.parametrize("value", ["0", "16383", "100000001", "big"])
def test_a_producer_batch_size_out_of_bounds_is_refused_in_one_line(value: str) -> None:
    message = _refusal(MARSAD_PRODUCER_BATCH_BYTES=value)
    assert message.startswith("MARSAD_PRODUCER_BATCH_BYTES: ") and "\n" not in message, message
    assert Settings().producer_batch_bytes == 524_288 and Settings(producer_batch_bytes=16_384).producer_batch_bytes == 16_384
