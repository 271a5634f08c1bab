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
        "استقبل قائد القوات البرية التركية، الجنرال سلجوق بيرقدار أوغلو، صدام حفتر في أنقرة.",
        published_at=PUBLISHED,
    )
    visit = _events(article, EventType.VISIT)
    meeting = _events(article, EventType.MEETING)
    assert [(v.actors, v.targets) for v in visit] == [(["Saddam Haftar"], ["Selcuk Bayraktaroglu"])]
    assert [(m.actors, m.targets) for m in meeting] == [(["Saddam Haftar"], ["Selcuk Bayraktaroglu"])]


def test_a_seizure_is_an_act_of_its_own(analyse) -> None:
    article = analyse("احتجزت قوات حفتر سفينة تركية قرب ميناء درنة يوم الاثنين.", published_at=PUBLISHED)
    seizure = _events(article, EventType.OTHER)
    assert [(e.actors, e.targets) for e in seizure] == [(["Libyan National Army"], ["Turkey"])]
    assert seizure[0].cameo == "173" and seizure[0].plover.event == "COERCE"


def test_an_announced_seizure_is_a_statement_and_the_seizure(analyse) -> None:
    article = analyse("أعلنت قوات حفتر احتجاز سفينة شحن تركية قبالة درنة.", published_at=PUBLISHED)
    assert {e.type for e in article.events} == {EventType.STATEMENT, EventType.OTHER}
    assert _events(article, EventType.OTHER)[0].actors == ["Libyan National Army"]


def test_describing_someone_is_a_statement(analyse) -> None:
    article = analyse("ووصف رجب طيب أردوغان خليفة حفتر بالانقلابي في كلمة أمام البرلمان.", published_at=PUBLISHED)
    statement = _events(article, EventType.STATEMENT)
    assert [(s.actors, s.targets) for s in statement] == [(["Recep Tayyip Erdogan"], ["Khalifa Haftar"])]


def test_an_outlets_description_is_no_statement(analyse) -> None:
    article = analyse("ووصفت وكالة الأناضول الزيارة بالمهمة.", published_at=PUBLISHED)
    assert _events(article, EventType.STATEMENT) == []


_SIGNED = "وقعت تركيا وحكومة الوفاق مذكرة تفاهم لترسيم الحدود البحرية في نوفمبر."


def test_ratifying_the_named_maritime_memorandum_is_another_step_of_it(analyse) -> None:
    article = analyse(_SIGNED + " وصادق البرلمان التركي على المذكرة يوم الخميس.", published_at=PUBLISHED)
    steps = _events(article, EventType.MARITIME_BOUNDARY)
    assert len(steps) == 2
    assert steps[1].actors == ["Grand National Assembly of Turkey"] and steps[1].trigger == "وصادق"
    assert _events(article, EventType.AGREEMENT) == []


def test_a_ratification_codes_nothing_before_the_deal_is_named(analyse) -> None:
    article = analyse("صادق البرلمان التركي على المذكرة يوم الخميس.", published_at=PUBLISHED)
    assert _events(article, EventType.MARITIME_BOUNDARY) == []


def test_ratifying_a_security_memorandum_is_not_the_maritime_deal(analyse) -> None:
    article = analyse(
        _SIGNED + " وصادق البرلمان التركي على مذكرة التعاون الأمني والعسكري يوم السبت.", published_at=PUBLISHED
    )
    steps = _events(article, EventType.MARITIME_BOUNDARY)
    assert [e.trigger for e in steps] == ["لترسيم الحدود البحرية"]


def test_a_visit_needs_a_visitor(analyse) -> None:
    article = analyse("وأضاف أن هناك زيارة مرتقبة إلى تركيا لم يحدد موعدها بعد.", published_at=PUBLISHED)
    assert _events(article, EventType.VISIT) == []
    article = analyse("وأضاف أن صدام حفتر يعتزم زيارة تركيا الشهر المقبل.", published_at=PUBLISHED)
    assert [v.actors for v in _events(article, EventType.VISIT)] == [["Saddam Haftar"]]


def test_the_verb_after_its_deal_tells_who_made_it(analyse) -> None:
    article = analyse(
        "وأثارت الاتفاقية التي أبرمها فايز السراج مع رجب طيب أردوغان جدلا واسعا.", published_at=PUBLISHED
    )
    agreement = _events(article, EventType.AGREEMENT)
    assert [(a.actors, a.targets, a.trigger) for a in agreement] == [
        (["Fayez al-Sarraj"], ["Recep Tayyip Erdogan"], "أبرمها")
    ]


def test_a_deal_named_by_its_signing_participle(analyse) -> None:
    article = analyse(
        "وناقش البرلمان التركي الاتفاقية الموقعة بين رجب طيب أردوغان وفايز السراج في إسطنبول.",
        published_at=PUBLISHED,
    )
    agreement = _events(article, EventType.AGREEMENT)
    assert [(a.actors, a.targets) for a in agreement] == [(["Recep Tayyip Erdogan"], ["Fayez al-Sarraj"])]
    assert agreement[0].trigger == "الموقعة"


_MET = "التقى هاكان فيدان صدام حفتر في أنقرة يوم الأحد."


def test_the_two_sides_are_the_parties_of_the_event_just_told(analyse) -> None:
    article = analyse(_MET + " وأكد الطرفان أهمية تعزيز التعاون بين البلدين.", published_at=PUBLISHED)
    statement = _events(article, EventType.STATEMENT)
    assert [(s.actors, s.targets) for s in statement] == [(["Hakan Fidan"], ["Saddam Haftar"])]


def test_a_call_between_the_two_sides_is_the_same_meeting(analyse) -> None:
    article = analyse(
        _MET + " وتناول الجانبان في اتصال هاتفي ملفات تخص ليبيا وتونس.", published_at=PUBLISHED
    )
    meetings = _events(article, EventType.MEETING)
    assert [(m.actors, m.targets) for m in meetings] == [(["Hakan Fidan"], ["Saddam Haftar"])]


def test_two_sides_named_before_the_dual_are_its_parties(analyse) -> None:
    article = analyse(
        _MET + " وعلى صعيد الصلات بين مصر وتركيا، ناقش الطرفان ملفات الطاقة.", published_at=PUBLISHED
    )
    meetings = _events(article, EventType.MEETING)
    assert [(m.actors, m.targets) for m in meetings][-1] == (["Egypt"], ["Turkey"])


def test_a_headline_meeting_noun_keeps_its_names_before_the_verb(analyse) -> None:
    article = analyse("لقاء هاكان فيدان وصدام حفتر يناقش ملفات المنطقة", published_at=PUBLISHED)
    meetings = _events(article, EventType.MEETING)
    assert [(m.actors, m.targets, m.trigger) for m in meetings] == [(["Hakan Fidan"], ["Saddam Haftar"], "لقاء")]


def test_the_first_of_two_joined_parties_holds_the_meeting(analyse) -> None:
    article = analyse("عقد هاكان فيدان ونظيره صدام حفتر اجتماعا موسعا في أنقرة.", published_at=PUBLISHED)
    meetings = _events(article, EventType.MEETING)
    assert [(m.actors, m.targets) for m in meetings] == [(["Hakan Fidan"], ["Saddam Haftar"])]


def test_definite_strikes_are_a_clash_and_who_undergoes_them_is_the_target(analyse) -> None:
    article = analyse("تعرضت مواقع قوات حفتر قرب ترهونة لعشرات الغارات الجوية.", published_at=PUBLISHED)
    clashes = _events(article, EventType.ARMED_CLASH)
    assert [(c.actors, c.targets, c.trigger) for c in clashes] == [([], ["Libyan National Army"], "الغارات")]


def test_the_passive_agent_after_min_qibal_strikes(analyse) -> None:
    article = analyse(
        "تعرضت مواقع قوات حفتر قرب ترهونة لعشرات الغارات الجوية من قبل طائرات مسيرة تابعة لحكومة الوفاق.",
        published_at=PUBLISHED,
    )
    clashes = _events(article, EventType.ARMED_CLASH)
    assert [(c.actors, c.targets) for c in clashes] == [(["Government of National Accord"], ["Libyan National Army"])]


def test_a_particle_between_subject_and_verb_keeps_the_subject(analyse) -> None:
    article = analyse("وكانت أنقرة قد اتهمت قوات حفتر بعرقلة الحل السياسي.", published_at=PUBLISHED)
    statement = _events(article, EventType.STATEMENT)
    assert [(s.actors, s.targets) for s in statement] == [(["Turkey"], ["Libyan National Army"])]


def test_a_suppressed_verb_still_ends_the_clause(analyse) -> None:
    article = analyse("التقى هاكان فيدان بصدام حفتر الذي أكد دعم القيادة العامة للحل السياسي.", published_at=PUBLISHED)
    meetings = _events(article, EventType.MEETING)
    assert [(m.actors, m.targets) for m in meetings] == [(["Hakan Fidan"], ["Saddam Haftar"])]
    assert _events(article, EventType.STATEMENT) == []  # the meeting tells what the sentence is about


def test_a_nisba_after_a_name_does_not_hide_the_subject(analyse) -> None:
    article = analyse(
        "وأوضح رجب طيب أردوغان أن حكومة الوفاق الليبية أبرمت اتفاق التهدئة في روما بينما رفضه حفتر.",
        published_at=PUBLISHED,
    )
    agreement = _events(article, EventType.AGREEMENT)
    assert [a.actors for a in agreement] == [["Government of National Accord"]]


def test_approving_another_accord_is_not_a_maritime_step(analyse) -> None:
    article = analyse(_SIGNED + " ووافق مجلس النواب على الاتفاق السياسي في جنيف.", published_at=PUBLISHED)
    assert [e.trigger for e in _events(article, EventType.MARITIME_BOUNDARY)] == ["لترسيم الحدود البحرية"]


def test_a_detention_needs_someone_detaining(analyse) -> None:
    article = analyse("تكتظ مراكز احتجاز المهاجرين في غرب ليبيا بآلاف الأشخاص.", published_at=PUBLISHED)
    assert _events(article, EventType.OTHER) == []
    assert all("Libya" not in e.actors for e in article.events)  # "في غرب ليبيا" says where
