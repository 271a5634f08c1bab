"""Events stage: clause bounds, opposing sides, and bodies inside a person's title.

The sentences are written for these tests.
"""

from __future__ import annotations

from datetime import datetime, timezone

from models import EnrichedArticle, Event, EventType

PUBLISHED = datetime(2025, 6, 1, tzinfo=timezone.utc)


def _events(article: EnrichedArticle, kind: EventType) -> list[Event]:
    return [event for event in article.events if event.type == kind]


def test_a_second_verb_starts_its_own_meeting(analyse) -> None:
    article = analyse(
        "التقى رجب طيب أردوغان فلاديمير بوتين في إسطنبول، كما اجتمع هاكان فيدان بصدام حفتر.",
        published_at=PUBLISHED,
    )
    meetings = _events(article, EventType.MEETING)
    assert [(m.actors, m.targets) for m in meetings] == [
        (["Recep Tayyip Erdogan"], ["Vladimir Putin"]),
        (["Hakan Fidan"], ["Saddam Haftar"]),
    ]


def test_a_visit_keeps_the_counterparts_of_its_own_clause(analyse) -> None:
    article = analyse("زار صدام حفتر أنقرة، ثم التقى يشار غولر في مقر الوزارة.", published_at=PUBLISHED)
    visit = _events(article, EventType.VISIT)
    assert len(visit) == 1 and visit[0].actors == ["Saddam Haftar"]
    assert "Yasar Guler" not in visit[0].targets


def test_the_other_sides_answer_is_another_clash(analyse) -> None:
    article = analyse(
        "قصفت قوات حفتر مواقع قرب طرابلس صباح الأحد. وردت قوات حكومة الوفاق بقصف مواقع الجيش الوطني الليبي في ترهونة.",
        published_at=PUBLISHED,
    )
    clashes = _events(article, EventType.ARMED_CLASH)
    assert [c.actors for c in clashes] == [["Libyan National Army"], ["GNA armed forces"]]
    assert clashes[1].targets == ["Libyan National Army"]


def test_the_same_sides_strikes_stay_one_clash(analyse) -> None:
    article = analyse(
        "قصفت قوات حفتر مواقع قرب طرابلس صباح الأحد. وواصلت قوات حفتر قصف أطراف طرابلس مساء.",
        published_at=PUBLISHED,
    )
    assert len(_events(article, EventType.ARMED_CLASH)) == 1


def test_a_body_in_the_hosts_title_is_not_the_host(analyse) -> None:
    article = analyse(
        "استقبل قائد القوات البرية التركية، الفريق أول سلجوق بيرقدار أوغلو، صدام حفتر في أنقرة.",
        published_at=PUBLISHED,
    )
    visit = _events(article, EventType.VISIT)
    meeting = _events(article, EventType.MEETING)
    assert [(v.actors, v.targets) for v in visit] == [(["Saddam Haftar"], ["Selcuk Bayraktaroglu"])]
    assert [(m.actors, m.targets) for m in meeting] == [(["Saddam Haftar"], ["Selcuk Bayraktaroglu"])]
