"""The AsyncAPI document validates against the official AsyncAPI 3.0 JSON Schema.

The schema comes from the npm package ``@asyncapi/specs``: installed with npm into a
cache directory on first use (``MARSAD_ASYNCAPI_SPECS`` may name the schema file instead).
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft7Validator

from models.schema import TOPIC_RECORDS, topic_schema
from streams.tools.asyncapi import CONTRACTS, asyncapi_document
from streams.cli import main
from streams.stages.stories import STORIES
from streams.io.topics import HEADER_SCHEMA, PLOVER, consumer_group
from streams.stages.spec import STAGE_NAMES

SPECS_PACKAGE = "@asyncapi/specs@6"


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "marsad" / "asyncapi-specs"


@pytest.fixture(scope="session")
def asyncapi_schema() -> dict:
    named = os.environ.get("MARSAD_ASYNCAPI_SPECS")
    if named:
        return json.loads(Path(named).read_text())
    directory = _cache_dir()
    path = directory / "node_modules" / "@asyncapi" / "specs" / "schemas" / "3.0.0.json"
    if not path.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed: cannot fetch the AsyncAPI 3.0 JSON Schema (@asyncapi/specs)")
        directory.mkdir(parents=True, exist_ok=True)
        try:
            subprocess.run(
                [npm, "install", "--prefix", str(directory), "--no-audit", "--no-fund", "--silent", SPECS_PACKAGE],
                check=True, capture_output=True, timeout=300,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            pytest.skip(f"npm could not install {SPECS_PACKAGE} (registry unreachable?): {error}")
    return json.loads(path.read_text())


def test_the_document_is_valid_asyncapi_3(asyncapi_schema: dict) -> None:
    document = asyncapi_document()
    assert document["asyncapi"] == "3.0.0"
    validator = Draft7Validator(asyncapi_schema)
    errors = [f"{list(error.absolute_path)}: {error.message[:200]}" for error in validator.iter_errors(document)]
    assert errors == []
    broken = copy.deepcopy(document)
    next(iter(broken["operations"].values()))["action"] = "publish"  # AsyncAPI 2 vocabulary
    assert list(validator.iter_errors(broken))


def test_every_topic_has_a_channel_with_key_headers_payload_and_stages() -> None:
    document = asyncapi_document(partitions=12, replicas=3)
    channels = {channel["address"]: channel for channel in document["channels"].values()}
    assert set(channels) == set(TOPIC_RECORDS)
    messages = document["components"]["messages"]
    for contract in CONTRACTS:
        channel = channels[contract.topic]
        kafka = channel["bindings"]["kafka"]
        assert (kafka["partitions"], kafka["replicas"]) == (12, 3)
        assert kafka["topicConfiguration"]["cleanup.policy"] == ["compact" if contract.compacted else "delete"]
        assert channel["x-producers"] and channel["x-consumers"]
        (name,) = channel["messages"]
        message = messages[name]
        assert message["payload"]["schema"] == topic_schema(contract.topic)
        assert message["bindings"]["kafka"]["key"]["description"]
        if contract.headers:
            assert HEADER_SCHEMA in message["headers"]["properties"]
    assert channels[STORIES]["bindings"]["kafka"]["topicConfiguration"]["cleanup.policy"] == ["compact"]
    assert "stories" in channels[PLOVER]["x-consumers"]
    groups = {
        operation["bindings"]["kafka"]["groupId"]["enum"][0]
        for operation in document["operations"].values()
        if operation["action"] == "receive" and "bindings" in operation
    }
    assert {consumer_group(stage) for stage in STAGE_NAMES} <= groups


def test_the_command_writes_the_document(tmp_path: Path) -> None:
    out = tmp_path / "asyncapi.json"
    result = CliRunner().invoke(main, ["asyncapi", "--out", str(out), "--broker", "kafka://kafka.internal:9093"])
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    assert document["servers"]["kafka"]["host"] == "kafka.internal:9093"
    assert len(document["channels"]) == len(TOPIC_RECORDS)
