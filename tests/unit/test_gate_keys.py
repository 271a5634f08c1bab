"""Article ids: a documented form (others are dead-lettered), and gate keys no input can reach."""

from __future__ import annotations

from datetime import datetime, timezone

import orjson
import pytest

from models import RawArticle
from models.base import ARTICLE_ID_PATTERN
from streams.io.topics import DLQ, ENRICHED
from streams.runtime.gate import PublishGate
from streams.runtime.handling import Outgoing, handle_message
from streams.settings import Settings
from streams.stages.spec import STAGES, StageContext

from .gate_fakes import FakeApp, Sent

CONTEXT = StageContext(pipeline_version="9.9.9+kb.test", clock=lambda: datetime(2025, 6, 1, tzinfo=timezone.utc))
TEXT = "التقى رئيس الحكومة وفدا تركيا في طرابلس يوم الأحد لبحث مشاريع إعادة الإعمار في المدن المتضررة."

FORGED = [
    "\x00watermark\x00marsad.articles.enriched\x000",
    "\x00article\x00victim-9",
    "w\x00marsad.articles.enriched\x000",
    "g\x00victim-9",
    "with space",
    "-leading-dash",
    "x" * 129,
    "مقال-1",
    "line\nbreak",
]


@pytest.mark.parametrize("ident", FORGED)
def test_an_article_id_outside_the_documented_form_is_dead_lettered(ident: str) -> None:
    value = orjson.dumps({"id": ident, "text": TEXT})
    outcome = handle_message("normalise", b"k", value, CONTEXT)
    assert [m.topic for m in outcome.messages] == [DLQ] and outcome.failed == "ValidationError"
    letter = orjson.loads(outcome.messages[0].value)
    assert letter["details"]["errors"][0]["loc"] == "id"


@pytest.mark.parametrize("ident", ["a", "article-42", "2025.06.01:lyb_1", "A" * 128, "0f3a9c"])
def test_ids_of_the_documented_form_pass(ident: str) -> None:
    assert RawArticle(id=ident, text=TEXT).id == ident
    outcome = handle_message("normalise", b"k", orjson.dumps({"id": ident, "text": TEXT}), CONTEXT)
    assert outcome.failed is None and outcome.messages[0].key == ident.encode()
    assert ARTICLE_ID_PATTERN.startswith("^") and ARTICLE_ID_PATTERN.endswith("$")


def _gate() -> PublishGate:
    return PublishGate(FakeApp(), Settings(), STAGES["stance"], "1.0+kb.test")  # type: ignore[arg-type]


def _out(key: str) -> Outgoing:
    return Outgoing(ENRICHED, key.encode(), b"{}", once=True, gate_key=key.encode())


def test_no_gate_key_of_an_input_can_be_a_watermark_or_another_articles_group() -> None:
    gate = _gate()
    gate.record("victim-9", 0, [(_out("victim-9"), Sent(41))])
    assert gate.watermark(ENRICHED, 0) == 41
    for forged in FORGED:
        # what an article or record id can reach: its own group, and its own record key
        gate.record(forged, 0, [(_out(forged), Sent(0))])
        gate.mark(gate.record_key(ENRICHED, forged.encode()))
    assert gate.watermark(ENRICHED, 0) == 41
    assert gate.unpublished("victim-9", [_out("victim-9")]) == []
    fresh = _out("victim-10")
    assert gate.unpublished("victim-10", [fresh]) == [fresh]
    assert all(key[:2] in (b"r\x00", b"g\x00", b"w\x00") for key in gate.table)


def test_an_unreadable_watermark_means_reconcile_again_not_a_crash() -> None:
    gate = _gate()
    gate.table[gate._watermark_key(ENRICHED, 3)] = b"not a number"
    assert gate.watermark(ENRICHED, 3) is None
