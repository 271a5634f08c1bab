"""A corrected article under the same id is a new version; an exact repeat is not (issue #10, item 6).

The revision is the normaliser's ``content_hash`` (of the normalised text, headline
included); it is part of every publish-once key and travels in the ``marsad-content-hash``
header, so reconciliation rebuilds the same keys from what is on the output topic.
"""

from __future__ import annotations

from datetime import datetime, timezone

import orjson

from streams.io.topics import ENRICHED, HEADER_REVISION, PLOVER
from streams.runtime.gate import PublishGate
from streams.runtime.handling import Outcome, gate_key_of, handle_message
from streams.settings import Settings
from streams.stages.spec import STAGES, StageContext

from .gate_fakes import FakeApp, Sent

CONTEXT = StageContext(pipeline_version="9.9.9+kb.test", clock=lambda: datetime(2025, 6, 1, tzinfo=timezone.utc))
FIRST = "استقبل رئيس المجلس الرئاسي في طرابلس وفدا من وزارة الخارجية التركية يوم الاثنين لبحث ملف الانتخابات."
CORRECTED = "استقبل رئيس المجلس الرئاسي في طرابلس وفدا من وزارة الدفاع التركية يوم الثلاثاء لبحث ملف الانتخابات."


def _through(stage: str, text: str) -> Outcome:
    """The article ``rev-1`` through every stage up to and including ``stage``."""
    value = orjson.dumps({"id": "rev-1", "text": text, "source": {"name": "unit"}})
    for name in ("normalise", "entities", "events", "stance"):
        outcome = handle_message(name, b"rev-1", value, CONTEXT)
        assert outcome.failed is None
        if name == stage:
            return outcome
        value = next(m.value for m in outcome.messages if m.topic == STAGES[name].sink)
    raise AssertionError(stage)


def _gate(stage: str) -> PublishGate:
    return PublishGate(FakeApp(), Settings(), STAGES[stage], "9.9.9+kb.test")  # type: ignore[arg-type]


def test_a_changed_text_is_a_new_revision_and_an_exact_repeat_is_not() -> None:
    first, again, corrected = (_through("stance", text) for text in (FIRST, FIRST, CORRECTED))
    (one,), (same,), (other,) = ([m for m in o.messages if m.once] for o in (first, again, corrected))
    hash_one = orjson.loads(one.value)["content_hash"].encode()
    assert one.revision == same.revision == hash_one and one.gate_key == same.gate_key == b"rev-1\x00" + hash_one
    assert other.revision != one.revision and other.gate_key != one.gate_key
    assert dict(one.headers)[HEADER_REVISION] == hash_one


def test_the_gate_publishes_a_correction_and_suppresses_a_repeat() -> None:
    gate = _gate("stance")
    first = [m for m in _through("stance", FIRST).messages if m.once]
    assert gate.unpublished("rev-1", first) == first
    gate.record("rev-1", 0, [(first[0], Sent(7))])
    repeat = [m for m in _through("stance", FIRST).messages if m.once]
    assert gate.unpublished("rev-1", repeat) == []
    corrected = [m for m in _through("stance", CORRECTED).messages if m.once]
    assert gate.unpublished("rev-1", corrected) == corrected
    assert orjson.loads(corrected[0].value)["text"] == CORRECTED


def test_reconciliation_rebuilds_the_key_the_sender_used() -> None:
    """A record found on the output topic after a crash marks the same key it was gated under."""
    for stage, topic in (("stance", ENRICHED), ("events", PLOVER)):
        spec = STAGES[stage]
        sent = [m for m in _through(stage, FIRST).messages if m.once and m.topic == topic]
        assert sent, f"no gated {topic} output"
        for message in sent:
            assert gate_key_of(spec, topic, message.key, message.value, message.headers) == message.gate_key
        gate = _gate(stage)
        for message in sent:  # what _reconcile does with each record it reads
            gate.mark(gate.record_key(topic, gate_key_of(spec, topic, message.key, message.value, message.headers)))
        assert gate.unpublished("rev-1", sent) == []
        corrected = [m for m in _through(stage, CORRECTED).messages if m.once and m.topic == topic]
        assert gate.unpublished("rev-1", corrected) == corrected


def test_a_record_written_before_revisions_keeps_its_bare_key() -> None:
    spec = STAGES["stance"]
    assert gate_key_of(spec, ENRICHED, b"old-1", b"{}", []) == b"old-1"
