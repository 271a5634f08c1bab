"""Configuration (issue 4): validated at start, security options mapped, no unsafe codecs.

No broker needed: these tests are not marked ``integration``.
"""

from __future__ import annotations

import re
import shutil
import ssl
import subprocess
from pathlib import Path

import faust
import pytest
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth
from pydantic import ValidationError

from streams.runtime.app import create_app, faust_credentials
from streams.runtime.patches import UNSAFE_CODECS
from streams.io.connection import client_options
from streams.settings import Settings, describe_error, unknown_variables
from streams.stages.spec import STAGE_NAMES

from .support import REPO, cli


@pytest.mark.parametrize(
    ("env", "named", "says"),
    [
        ({"MARSAD_BROKER": "http://x"}, "MARSAD_BROKER", "kafka://host:port"),
        ({"MARSAD_BROKER": "kafka://broker:notaport"}, "MARSAD_BROKER", "kafka://host:port"),
        ({"MARSAD_PARTITIONS": "0"}, "MARSAD_PARTITIONS", "greater than or equal to 1"),
        ({"MARSAD_LOG_LEVEL": "loud"}, "MARSAD_LOG_LEVEL", "'debug'"),
        ({"MARSAD_SECURITY_PROTOCOL": "SASL_SSL"}, "configuration", "MARSAD_SASL_USERNAME"),
        ({"MARSAD_SESSION_TIMEOUT": "3", "MARSAD_HEARTBEAT_INTERVAL": "2"}, "configuration", "MARSAD_HEARTBEAT_INTERVAL"),
        ({"MARSAD_SSL_CAFILE": "/nonexistent/ca.pem"}, "configuration", "does not exist"),
        ({"MARSAD_PIPELINE_TAG": "has space"}, "MARSAD_PIPELINE_TAG", "pattern"),
        ({"MARSAD_ENTITY_BACKENDS": "no_such_module_anywhere:factory"}, "MARSAD_ENTITY_BACKENDS", "cannot import"),
        ({"MARSAD_STANCE_BACKEND": "without-colon"}, "MARSAD_STANCE_BACKEND", "package.module:factory"),
        ({"MARSAD_STANCE_WEIGHT": "1.5"}, "MARSAD_STANCE_WEIGHT", "less than or equal to 1"),
    ],
)
def test_a_worker_with_bad_settings_exits_with_a_readable_message(env, named, says) -> None:
    result = cli("worker", "--stage", "normalise", env=env, timeout=60)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert line.startswith("Error: invalid configuration: ")
    assert named in line and says in line, line


def test_the_broker_flag_is_validated_like_the_variable() -> None:
    result = cli("tail", "--broker", "http://x", "--timeout", "1")
    assert result.returncode == 2
    assert "MARSAD_BROKER: must use kafka://host:port, got 'http://x'" in result.stderr


def test_unknown_marsad_variables_are_reported_with_a_suggestion() -> None:
    problems = unknown_variables({"MARSAD_MAX_ARTICLE_BYTES": "1", "MARSAD_BROKER": "kafka://a:1", "OTHER": "x"})
    assert problems == ["MARSAD_MAX_ARTICLE_BYTES is not a Marsad setting (did you mean MARSAD_MAX_ARTICLE_CHARS?)"]
    result = cli("worker", "--stage", "normalise", env={"MARSAD_PARTITONS": "3", "MARSAD_BROKER": "http://x"})
    assert result.returncode == 2
    assert "warning: MARSAD_PARTITONS is not a Marsad setting (did you mean MARSAD_PARTITIONS?)" in result.stderr


def test_documented_defaults() -> None:
    settings = Settings()
    assert settings.max_article_chars == 200_000
    assert settings.max_message_bytes == 1_000_000
    assert settings.max_record_bytes == 8_000_000
    assert settings.web_host == "127.0.0.1"
    assert settings.pipeline_tag is None
    assert settings.pipeline_version("0.1.0+kb.abc") == "0.1.0+kb.abc"
    assert Settings(pipeline_tag="lexicon-2").pipeline_version("0.1.0+kb.abc") == "0.1.0+kb.abc.lexicon-2"
    with pytest.raises(ValidationError) as error:
        Settings(max_record_bytes=500_000, max_message_bytes=600_000)
    assert "MARSAD_MAX_RECORD_BYTES" in describe_error(error.value)


def test_broker_lists() -> None:
    settings = Settings(broker="kafka://a:9092,kafka://b:9093")
    assert settings.bootstrap_servers() == ["a:9092", "b:9093"]
    assert settings.faust_broker() == "kafka://a:9092;kafka://b:9093"
    assert Settings(broker="kafka://a;kafka://b:1").bootstrap_servers() == ["a:9092", "b:1"]


# --------------------------------------------------------------------------- security


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory) -> dict[str, Path]:
    """A self-signed CA certificate and a client certificate + key (openssl CLI)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "client.pem", directory / "client.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=marsad-test"],
        check=True, capture_output=True,
    )
    return {"ca": cert, "cert": cert, "key": key}


def _aiokafka_from_faust(settings: Settings) -> dict:
    return dict(credentials_to_aiokafka_auth(faust_credentials(settings)))


def test_plaintext_maps_to_no_credentials() -> None:
    settings = Settings()
    assert faust_credentials(settings) is None
    assert _aiokafka_from_faust(settings) == {"security_protocol": "PLAINTEXT"}
    assert client_options(settings) == {"bootstrap_servers": ["localhost:9092"]}


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_sasl_ssl_maps_into_faust_and_aiokafka(mechanism, tls_files) -> None:
    settings = Settings(
        security_protocol="SASL_SSL", sasl_mechanism=mechanism, sasl_username="marsad", sasl_password="s3cret",
        ssl_cafile=tls_files["ca"],
    )
    credentials = faust_credentials(settings)
    assert isinstance(credentials, faust.SASLCredentials)
    worker = _aiokafka_from_faust(settings)
    command = client_options(settings)
    for options in (worker, command):
        assert options["security_protocol"] == "SASL_SSL"
        assert options["sasl_mechanism"] == mechanism
        assert options["sasl_plain_username"] == "marsad"
        assert options["sasl_plain_password"] == "s3cret"
        assert isinstance(options["ssl_context"], ssl.SSLContext)
        assert options["ssl_context"].verify_mode == ssl.CERT_REQUIRED
    assert "s3cret" not in repr(settings)


def test_sasl_plaintext_has_no_tls(tls_files) -> None:
    settings = Settings(security_protocol="SASL_PLAINTEXT", sasl_username="u", sasl_password="p")
    worker = _aiokafka_from_faust(settings)
    assert worker["security_protocol"] == "SASL_PLAINTEXT" and worker["ssl_context"] is None
    assert worker["sasl_mechanism"] == "PLAIN"
    command = client_options(settings)
    assert command["security_protocol"] == "SASL_PLAINTEXT" and "ssl_context" not in command


def test_ssl_with_a_client_certificate(tls_files) -> None:
    settings = Settings(
        security_protocol="SSL", ssl_cafile=tls_files["ca"], ssl_certfile=tls_files["cert"], ssl_keyfile=tls_files["key"],
        ssl_check_hostname=False,
    )
    credentials = faust_credentials(settings)
    assert isinstance(credentials, faust.SSLCredentials)
    worker = _aiokafka_from_faust(settings)
    assert worker["security_protocol"] == "SSL"
    assert worker["ssl_context"].check_hostname is False
    assert client_options(settings)["security_protocol"] == "SSL"
    with pytest.raises(ValidationError, match="MARSAD_SSL_KEYFILE"):
        Settings(security_protocol="SSL", ssl_certfile=tls_files["cert"])


def test_the_worker_app_carries_the_credentials(tls_files, tmp_path) -> None:
    settings = Settings(
        security_protocol="SASL_SSL", sasl_mechanism="SCRAM-SHA-512", sasl_username="u", sasl_password="p",
        ssl_cafile=tls_files["ca"], data_dir=tmp_path, web_enabled=False,
    )
    app = create_app(settings, ["normalise"])
    assert isinstance(app.conf.broker_credentials, faust.SASLCredentials)
    assert app.conf.broker_credentials.mechanism.value == "SCRAM-SHA-512"
    assert app.conf.broker_credentials.protocol.value == "SASL_SSL"


@pytest.mark.parametrize("wait_ms", [10, 500])
async def test_the_worker_consumer_fetch_wait_comes_from_the_settings(tmp_path, wait_ms) -> None:
    """Faust hard-codes 1500 ms; the worker's consumer must use MARSAD_FETCH_MAX_WAIT_MS."""
    app = create_app(Settings(data_dir=tmp_path, web_enabled=False, fetch_max_wait_ms=wait_ms), ["normalise"])
    consumer = app.consumer._thread._create_worker_consumer(app.transport)  # noqa: SLF001 - built, never started
    try:
        assert consumer._fetch_max_wait_ms == wait_ms  # noqa: SLF001 - what start() hands the fetcher
    finally:
        await consumer.stop()


@pytest.mark.parametrize(("batch_bytes", "record_bytes", "expected"), [(None, 8_000_000, 524_288), (16_384, 8_000_000, 16_384), (524_288, 40_000, 40_000)])
async def test_the_worker_producer_batches_records_up_to_the_setting(tmp_path, batch_bytes, record_bytes, expected) -> None:
    """aiokafka's 16 KiB batches held one article record each; the setting, capped by the
    largest record produced, is what the worker's producer builds its batches to."""
    chosen = {} if batch_bytes is None else {"producer_batch_bytes": batch_bytes}
    settings = Settings(data_dir=tmp_path, web_enabled=False, max_record_bytes=record_bytes, max_message_bytes=10_000, **chosen)
    app = create_app(settings, ["normalise"])
    producer = app.producer._new_producer()  # noqa: SLF001 - built, never started
    try:
        assert producer._message_accumulator._batch_size == expected  # noqa: SLF001 - what the sender's batches hold at most
        assert producer._max_request_size == record_bytes  # noqa: SLF001
    finally:
        await producer.stop()


# --------------------------------------------------------------------------- codecs


def test_no_code_executing_codec_is_available_or_used(tmp_path) -> None:
    from faust.serializers import codecs

    app = create_app(Settings(data_dir=tmp_path, web_enabled=False), list(STAGE_NAMES))
    for name in UNSAFE_CODECS:
        assert name not in codecs.codecs
        with pytest.raises(KeyError):
            codecs.get_codec(name)
    assert app.conf.key_serializer == "raw" and app.conf.value_serializer == "raw"
    for topic in app.topics:
        assert topic.key_serializer in ("raw", None) and topic.value_serializer in ("raw", None), topic
    for table in app.tables.values():
        assert table.key_serializer == "raw" and table.value_serializer == "raw", table
        assert table.changelog_topic.key_serializer == "raw" and table.changelog_topic.value_serializer == "raw"


def test_the_source_uses_no_pickle_marshal_or_unsafe_yaml() -> None:
    forbidden = re.compile(
        r"\bimport (c?pickle|marshal|shelve|dill|jsonpickle)\b|\bfrom (c?pickle|marshal|shelve|dill|jsonpickle) import"
        r"|yaml\.unsafe_load|yaml\.(Unsafe|Full)?Loader\b|\b(Unsafe|Full)Loader\b|\beval\(|\bexec\("
    )
    yaml_load = re.compile(r"yaml\.load(_all)?\(")
    offenders = []
    for path in list((REPO / "streams").rglob("*.py")) + list((REPO / "models").rglob("*.py")):
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
            unsafe_yaml = yaml_load.search(line) and "SafeLoader" not in line
            if forbidden.search(line) or unsafe_yaml:
                offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not offenders, offenders
