"""Stage 3: event coding on sentences written for these tests."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from models import EnrichedArticle, Event, EventType, Modality

PUBLISHED = datetime(2025, 6, 1, tzinfo=timezone.utc)


def _events(article: EnrichedArticle, kind: EventType) -> list[Event]:
    return [event for event in article.events if event.type == kind]


def _one(article: EnrichedArticle, kind: EventType) -> Event:
    found = _events(article, kind)
    assert len(found) == 1, [(e.type.value, e.actors, e.targets) for e in article.events]
    return found[0]


def _check_evidence(article: EnrichedArticle) -> None:
    for event in article.events:
        evidence = event.evidence
        assert article.text[evidence.start : evidence.end] == evidence.text
        assert event.trigger and event.trigger in evidence.text


def test_visit(analyse) -> None:
    article = analyse("وصل صدام حفتر إلى أنقرة في زيارة رسمية تستغرق يومين.", published_at=PUBLISHED)
    visit = _one(article, EventType.VISIT)
    assert visit.actors == ["Saddam Haftar"]
    assert visit.location == "Ankara"
    assert visit.modality == Modality.ASSERTED
    assert visit.cameo.startswith("04")
    assert visit.plover.event == "CONSULT" and visit.plover.mode == "visit"
    _check_evidence(article)


def test_meeting_verb_subject_object(analyse) -> None:
    article = analyse("التقى صدام حفتر يشار غولر في أنقرة لبحث ملفات التعاون.", published_at=PUBLISHED)
    meeting = _one(article, EventType.MEETING)
    assert meeting.actors == ["Saddam Haftar"]
    assert meeting.targets == ["Yasar Guler"]
    assert meeting.location == "Ankara"
    assert meeting.cameo == "040"
    assert meeting.plover.event == "CONSULT" and "diplomatic" in meeting.plover.context
    assert meeting.trigger == "التقى"
    _check_evidence(article)


def test_meeting_between_x_and_y(analyse) -> None:
    article = analyse("عقدت مباحثات بين صدام حفتر ويشار غولر حول تطوير التعاون في المجال الدفاعي.", published_at=PUBLISHED)
    meeting = _one(article, EventType.MEETING)
    assert meeting.actors == ["Saddam Haftar"]
    assert meeting.targets == ["Yasar Guler"]


def test_agreement_signed(analyse) -> None:
    article = analyse(
        "ووقع صندوق التنمية وإعادة الإعمار مذكرة تفاهم مع شركة تركية لتنفيذ مشاريع سكنية في بنغازي.",
        published_at=PUBLISHED,
    )
    agreement = _one(article, EventType.AGREEMENT)
    assert agreement.actors == ["Development and Reconstruction Fund of Libya"]
    assert agreement.cameo == "057"
    assert agreement.plover.event and agreement.plover.mode == "agree"
    assert agreement.location == "Benghazi"


def test_host_visit_makes_the_guest_the_actor(analyse) -> None:
    article = analyse("استقبل صدام حفتر يشار غولر في بنغازي لبحث التعاون العسكري.", published_at=PUBLISHED)
    visit = _one(article, EventType.VISIT)
    assert visit.actors == ["Yasar Guler"]
    assert visit.targets == ["Saddam Haftar"]
    assert visit.location == "Benghazi"
    assert visit.cameo == "043" and visit.plover.mode == "host"


def test_host_visit_with_a_titled_host(analyse) -> None:
    article = analyse("استقبل الرئيس التركي رجب طيب أردوغان خليفة حفتر في إسطنبول.", published_at=PUBLISHED)
    visit = _one(article, EventType.VISIT)
    assert visit.actors == ["Khalifa Haftar"]
    assert "Recep Tayyip Erdogan" in visit.targets


def test_meeting_vso_with_a_titled_subject(analyse) -> None:
    article = analyse("التقى الرئيس التركي رجب طيب أردوغان خليفة حفتر في إسطنبول.", published_at=PUBLISHED)
    meeting = _one(article, EventType.MEETING)
    assert meeting.actors == ["Recep Tayyip Erdogan"]
    assert meeting.targets == ["Khalifa Haftar"]


def test_planned_modality(analyse) -> None:
    article = analyse("يجري صدام حفتر زيارة مرتقبة إلى أنقرة خلال الأيام المقبلة لبحث ملفات عديدة.", published_at=PUBLISHED)
    visit = _one(article, EventType.VISIT)
    assert visit.modality == Modality.PLANNED
    assert visit.location == "Ankara"


def test_reported_modality(analyse) -> None:
    article = analyse(
        "أشارت تقارير إلى أن صدام حفتر التقى مسؤولين في وزارة الدفاع التركية بأنقرة الأسبوع الماضي.",
        published_at=PUBLISHED,
    )
    meeting = _one(article, EventType.MEETING)
    assert meeting.modality == Modality.REPORTED
    assert meeting.actors == ["Saddam Haftar"]


def test_historical_modality_from_an_earlier_year(analyse) -> None:
    article = analyse("زار خليفة حفتر موسكو في عام 2017 والتقى هناك مسؤولين روسا.", published_at=PUBLISHED)
    visit = _one(article, EventType.VISIT)
    assert visit.modality == Modality.HISTORICAL
    assert visit.actors == ["Khalifa Haftar"]
    assert visit.time and "2017" in visit.time


def test_current_year_is_not_historical(analyse) -> None:
    article = analyse("زار خليفة حفتر موسكو في مايو 2025 والتقى هناك مسؤولين روسا.", published_at=PUBLISHED)
    assert _one(article, EventType.VISIT).modality == Modality.ASSERTED


def test_location_after_a_locative_and_time_expression(analyse) -> None:
    article = analyse(
        "التقى صدام حفتر يشار غولر الثلاثاء الماضي في أنقرة لبحث التعاون العسكري بين الجانبين.",
        published_at=PUBLISHED,
    )
    meeting = _one(article, EventType.MEETING)
    assert meeting.location == "Ankara"
    assert meeting.time == "الثلاثاء الماضي"
    assert meeting.modality == Modality.ASSERTED


def test_repeats_of_an_event_merge(analyse) -> None:
    article = analyse(
        "التقى صدام حفتر يشار غولر في أنقرة لبحث التعاون. "
        "وفي لقاء ثان التقى صدام حفتر يشار غولر الجمعة لمتابعة الملفات المشتركة.",
        published_at=PUBLISHED,
    )
    meeting = _one(article, EventType.MEETING)
    assert meeting.actors == ["Saddam Haftar"]
    assert meeting.targets == ["Yasar Guler"]
    assert meeting.location == "Ankara"
    assert meeting.time == "الجمعة"  # filled in from the repeat


def test_different_modalities_do_not_merge(analyse) -> None:
    article = analyse(
        "التقى صدام حفتر يشار غولر في أنقرة الشهر الماضي. "
        "ومن المقرر أن يلتقي صدام حفتر يشار غولر مجددا في بنغازي.",
        published_at=PUBLISHED,
    )
    meetings = _events(article, EventType.MEETING)
    assert len(meetings) == 2
    assert {m.modality for m in meetings} >= {Modality.PLANNED}


def test_no_participants_no_event(analyse) -> None:
    article = analyse("وجرت محادثات مطولة في أجواء إيجابية وتم الاتفاق على مواصلة اللقاءات قريبا.")
    assert article.events == []


def test_suffixed_form_of_a_stem_trigger(analyse) -> None:
    article = analyse("بدأ صدام حفتر زيارته الرسمية إلى العاصمة التركية أنقرة مساء الخميس.", published_at=PUBLISHED)
    visit = _one(article, EventType.VISIT)
    assert visit.actors == ["Saddam Haftar"]


def test_every_event_is_fully_coded(analyse, seed_paths) -> None:
    from streams.io.sources import read_text_article
    from streams.stages.pipeline import process_article

    for path in seed_paths:
        article = process_article(read_text_article(path))
        assert article.events
        for event in article.events:
            assert event.actors or event.targets
            assert event.plover.event
            assert event.cameo or event.type == EventType.MIGRATION
        _check_evidence(article)
