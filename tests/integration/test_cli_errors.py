"""Errors a person can act on (issue #10, item 8), and batch commands that go on past bad files.

Every case runs the real ``marsad`` command in a subprocess and looks at what an operator
sees: one line on stderr naming the cause and the fix, a non-zero exit within seconds, no
traceback, never a password.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import orjson
import pytest

from streams.io.broker import EmbeddedBroker, free_port
from streams.io.topics import RAW

from .support import SAMPLES, cli

pytestmark = pytest.mark.integration

PASSWORD = "Pw-7c1d9e"
BODY = "وصل وفد من وزارة الدفاع التركية إلى طرابلس لبحث برامج التدريب مع رئاسة الأركان الليبية."


def closed_broker() -> str:
    """A broker address nothing listens on."""
    return f"kafka://127.0.0.1:{free_port()}"


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


BROKER_COMMANDS = {
    "tail": ["tail", "--timeout", "2"],
    "replay": ["replay", str(SAMPLES)],
    "reprocess": ["reprocess", "--stage", "entities", "--from-beginning"],
    "topics create": ["topics", "create"],
}


@pytest.mark.parametrize("command", list(BROKER_COMMANDS))
def test_a_broker_that_is_down_gives_one_line_and_a_quick_exit(command: str) -> None:
    started = time.monotonic()
    result = cli(*BROKER_COMMANDS[command], env={"MARSAD_BROKER": closed_broker()}, timeout=60)
    elapsed = time.monotonic() - started
    assert result.returncode != 0
    (line,) = lines(result.stderr)  # one line, no traceback, no client log noise
    assert "unreachable" in line and "marsad broker" in line and "MARSAD_BROKER" in line
    assert elapsed < 20, f"{command} took {elapsed:.1f} s"


@pytest.mark.parametrize(
    "env",
    [
        {"MARSAD_BROKER": f"kafka://bob:{PASSWORD}@127.0.0.1:{free_port()}"},
        {"MARSAD_BROKER": f"bob:{PASSWORD}@127.0.0.1:{free_port()}"},
        {"MARSAD_BROKER": f"sasl_ssl://bob:{PASSWORD}@broker.invalid:9093"},
        {
            "MARSAD_BROKER": f"kafka://127.0.0.1:{free_port()}",
            "MARSAD_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
            "MARSAD_SASL_USERNAME": "bob",
            "MARSAD_SASL_PASSWORD": PASSWORD,
        },
    ],
    ids=["kafka-url", "bare-userinfo", "sasl-url", "sasl-settings"],
)
@pytest.mark.parametrize("command", ["tail", "topics create"])
def test_a_password_never_appears_in_an_error(env: dict[str, str], command: str) -> None:
    result = cli(*BROKER_COMMANDS[command], env=env, timeout=60)
    assert result.returncode != 0
    assert PASSWORD not in result.stderr and PASSWORD not in result.stdout
    assert len(lines(result.stderr)) == 1, result.stderr


def bad_batch(directory: Path) -> Path:
    directory.mkdir()
    (directory / "a-good.txt").write_text(BODY, "utf-8")
    (directory / "b-cp1256.txt").write_bytes(BODY.encode("cp1256"))  # Arabic, but not UTF-8
    (directory / "c-deep.json").write_text("[" * 10_000 + "]" * 10_000, "utf-8")
    (directory / "d-deep.jsonl").write_text('{"a":' * 10_000 + "1" + "}" * 10_000 + "\n", "utf-8")
    (directory / "e-good.txt").write_text(BODY + " وعقد الوفد اجتماعاً ثانياً.", "utf-8")
    return directory


def test_process_reports_bad_files_and_goes_on_with_a_dlq(tmp_path: Path) -> None:
    batch = bad_batch(tmp_path / "batch")
    out, dlq = tmp_path / "out.jsonl", tmp_path / "dlq.jsonl"
    result = cli("process", str(batch), "--out", str(out), "--dlq", str(dlq))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    rejected = [line for line in lines(result.stderr) if line.startswith("rejected ")]
    assert [line.split(":")[0] for line in rejected] == ["rejected b-cp1256.txt", "rejected c-deep.json", "rejected d-deep.jsonl"]
    assert lines(result.stderr)[-1] == f"wrote 2 enriched record(s) to {out}; 3 rejected"
    assert len(out.read_bytes().splitlines()) == 2
    letters = [orjson.loads(line) for line in dlq.read_bytes().splitlines()]
    assert [letter["details"]["origin"] for letter in letters] == ["b-cp1256.txt", "c-deep.json", "d-deep.jsonl:1"]
    assert all(letter["message"] and letter["error"] for letter in letters)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_file_is_one_rejection(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "good.txt").write_text(BODY, "utf-8")
    locked = batch / "locked.txt"
    locked.write_text(BODY, "utf-8")
    locked.chmod(0)
    result = cli("process", str(batch), "--out", str(tmp_path / "out.jsonl"))
    assert result.returncode == 0, result.stderr
    assert any(line.startswith("rejected locked.txt: cannot read") for line in lines(result.stderr))


@pytest.mark.parametrize("command", ["process", "tail"])
def test_an_unwritable_out_is_one_line(tmp_path: Path, command: str) -> None:
    target = tmp_path / "no-such-dir" / "out.jsonl"
    args = ["process", str(SAMPLES), "--out", str(target)] if command == "process" else ["tail", "--out", str(target)]
    started = time.monotonic()
    result = cli(*args, env={"MARSAD_BROKER": closed_broker()}, timeout=60)
    assert result.returncode != 0
    (line,) = lines(result.stderr)
    assert f"--out {target}: No such file or directory" in line
    assert time.monotonic() - started < 20
    # a directory where a file should go: one line too
    result = cli(*args[:-1], str(tmp_path), env={"MARSAD_BROKER": closed_broker()}, timeout=60)
    assert result.returncode == 1, result.stderr
    (line,) = lines(result.stderr)
    assert f"--out {tmp_path}: Is a directory" in line
    assert "Traceback" not in result.stderr


def test_process_of_an_annotated_corpus_skips_the_annotations(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for number in (1, 2):
        (corpus / f"{number:02d}.txt").write_text(BODY, "utf-8")
        annotation = {"article": f"{number:02d}.txt", "entities": [], "events": [], "stance": {"label": "neutral", "score": 0}}
        (corpus / f"{number:02d}.json").write_bytes(orjson.dumps(annotation, option=orjson.OPT_INDENT_2))
    out = tmp_path / "out.jsonl"
    result = cli("process", str(corpus), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert lines(result.stderr) == [f"wrote 2 enriched record(s) to {out}; 0 rejected, 2 gold annotation file(s) skipped"]


def test_process_of_the_shared_corpus_reads_its_articles_only(shared: Path, tmp_path: Path) -> None:
    corpus = shared / "corpus"
    if not corpus.is_dir():
        pytest.skip("no shared corpus")
    articles = len(list(corpus.glob("*.txt")))
    annotations = len(list(corpus.glob("*.json")))
    out = tmp_path / "out.jsonl"
    result = cli("process", str(corpus), "--out", str(out), timeout=300)
    assert result.returncode == 0, result.stderr
    assert lines(result.stderr)[-1] == (
        f"wrote {articles} enriched record(s) to {out}; 0 rejected, {annotations} gold annotation file(s) skipped"
    )


def test_replay_reports_bad_files_and_publishes_the_rest(broker_check: None, tmp_path: Path) -> None:
    batch = bad_batch(tmp_path / "batch")
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text(BODY + " ثم غادر الوفد.", "utf-8")
    os.symlink(elsewhere, batch / "f-link.txt")
    ids = tmp_path / "ids"
    with EmbeddedBroker(log_file=tmp_path / "broker.log") as broker:
        result = cli("replay", str(batch), "--ids-out", str(ids), env={"MARSAD_BROKER": broker.url})
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    warnings = [line for line in lines(result.stderr) if line.startswith("warning: ")]
    assert [line.split(":")[1].strip() for line in warnings] == ["b-cp1256.txt", "c-deep.json", "d-deep.jsonl"]
    assert warnings[0].endswith("(skipped)")  # nothing readable to publish
    assert "dead-lettered" in warnings[2]  # a bad JSON line goes on to the dead-letter topic
    summary = lines(result.stderr)[-1]
    assert summary.startswith(f"published 3 article(s) to {RAW}")
    assert "2 unreadable file(s) skipped" in summary and "1 symlink(s) skipped" in summary
    assert len(ids.read_text().split()) == 3
