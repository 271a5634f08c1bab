"""PLOVER records: vocabulary of the manual, one crosswalk, entity objects, dates, places, schema."""

from __future__ import annotations

from datetime import date, datetime, timezone
from types import SimpleNamespace

import pytest
from jsonschema import Draft202012Validator

from models import Entity, Event, EventsArticle, EventType, Mention, Modality, Plover, Source
from models.plover import PloverCategory, PloverEvent, QuadCode
from models.schema import topic_schema
from streams.stages import plover as plover_module
from streams.knowledge.files import knowledge_bytes, load_yaml
from streams.knowledge.loader import load_knowledge
from streams.stages.plover import crosswalk, plover_events, resolve_date

PUBLISHED = datetime(2025, 6, 4, 9, 30, tzinfo=timezone.utc)  # a Wednesday
NOW = datetime(2026, 1, 10, 12, 0, tzinfo=timezone.utc)
MANUAL = load_yaml(knowledge_bytes("plover.yaml"))


def _entity(canonical: str, text: str, start: int = 0) -> Entity:
    actor = load_knowledge().actors.actors[load_knowledge().actors.by_canonical[canonical]]
    return Entity(
        canonical=canonical, type=actor.type, camp=actor.camp, country=actor.country, code=actor.code,
        mentions=[Mention(text=text, start=start, end=start + len(text))],
    )


def _event(type_: EventType, sentence: str, actors: list[str], targets: list[str], **changes: object) -> Event:
    values: dict[str, object] = {
        "type": type_, "cameo": "040", "plover": Plover(event="CONSULT", mode="meet", context=["diplomatic"]),
        "actors": actors, "targets": targets, "location": None, "time": None, "modality": Modality.ASSERTED,
        "trigger": "x", "evidence": Mention(text=sentence, start=0, end=len(sentence)),
    }
    values.update(changes)
    return Event(**values)  # type: ignore[arg-type]


def _article(events: list[Event], entities: list[Entity], published: datetime | None = PUBLISHED) -> EventsArticle:
    text = " ".join(event.evidence.text for event in events) or "نص"
    return EventsArticle(
        id="art1", title="عنوان", text=text, language="ar", content_hash="h", sentences=[],
        source=Source(name="Wire One", url="https://www.wire-one.example/a/1"), published_at=published,
        entities=entities, events=events,
    )


ENTITIES = [
    _entity("Saddam Haftar", "صدام حفتر"),
    _entity("Yasar Guler", "يشار غولر"),
    _entity("Government of National Unity", "حكومة الوحدة الوطنية"),
    _entity("Libyan National Army", "الجيش الوطني الليبي"),
    _entity("Ankara", "أنقرة"),
]


def test_the_crosswalk_uses_only_the_manuals_vocabulary() -> None:
    table = crosswalk()
    assert "OTHER" not in table.quads and set(table.quads) == {c.value for c in PloverCategory}
    for code, (event, modes, contexts) in table.cameo.items():
        assert code and code.isdigit(), code
        assert set(modes) <= table.modes.get(event, frozenset()), code
        assert set(contexts) <= table.contexts, code
    assert {1, 2, 3, 4} == {quad.value for quad in table.quads.values()}


def test_every_events_stage_type_has_a_coding_or_a_documented_drop() -> None:
    """Each type of triggers.yaml codes to a PLOVER category with a non-empty CAMEO code."""
    triggers = load_yaml(knowledge_bytes("triggers.yaml"))["types"]
    table = crosswalk()
    for name, spec in triggers.items():
        event = _event(
            EventType(name), "جملة بلا فعل.", ["Saddam Haftar"], [], cameo=spec["cameo"],
            plover=Plover(event=spec["plover"]["event"], mode=spec["plover"].get("mode"), context=spec["plover"].get("context", [])),
        )
        coding = table.code(event)
        if name == "STATEMENT":  # PLOVER drops CAMEO 01: only a statement that says something codable is kept
            assert coding is None
            continue
        assert coding is not None, name
        assert coding.cameo and coding.cameo in table.cameo, name
        assert table.cameo[coding.cameo][0] == coding.event  # one crosswalk: the code decides the category
    other = _event(EventType.OTHER, "جملة.", ["Saddam Haftar"], [], cameo="", plover=Plover(event="OTHER"))
    assert table.code(other) is None


def test_migration_gets_a_cameo_code_and_the_migration_context() -> None:
    event = _event(EventType.MIGRATION, "تعاون البلدان في ملف الهجرة.", ["Saddam Haftar"], [], cameo="",
                   plover=Plover(event="COOPERATE", context=["migration"]))
    coding = crosswalk().code(event)
    assert coding is not None and coding.cameo == "060" and coding.event == "COOPERATE"
    assert "migration" in coding.context and coding.quad == QuadCode.MATERIAL_COOPERATION


def test_a_statement_is_coded_by_what_it_says() -> None:
    condemn = _event(EventType.STATEMENT, "وندد المجلس في بيان بالقصف الذي طال المدينة.", ["Saddam Haftar"], [],
                     cameo="010", plover=Plover(event="OTHER", context=["political"]))
    reject = condemn.model_copy(update={"evidence": Mention(text="أعلنت الحكومة في بيان رفضها للاتفاق.", start=0, end=10)})
    bare = condemn.model_copy(update={"evidence": Mention(text="قال المتحدث في بيان إن الاجتماع انتهى.", start=0, end=10)})
    assert crosswalk().code(condemn).event == "ACCUSE" and crosswalk().code(condemn).mode == ("disapprove",)
    assert crosswalk().code(reject).event == "REJECT"
    assert crosswalk().code(bare) is None
    assert crosswalk().code(condemn).quad == QuadCode.VERBAL_CONFLICT
    assert "political" not in crosswalk().code(condemn).context  # not a PLOVER context


def test_a_rejected_maritime_deal_is_reject_and_a_phone_call_is_consult_phone() -> None:
    rejected = _event(EventType.MARITIME_BOUNDARY, "رفض البرلمان مذكرة الترسيم البحرية.", ["Saddam Haftar"], [],
                      cameo="057", plover=Plover(event="REJECT", context=["territory"]))
    coding = crosswalk().code(rejected)
    assert (coding.event, coding.cameo) == ("REJECT", "127") and "territory" in coding.context
    call = _event(EventType.MEETING, "أجرى اتصالا هاتفيا مع الوزير.", ["Saddam Haftar"], ["Yasar Guler"],
                  plover=Plover(event="CONSULT", mode="phone"))
    assert crosswalk().code(call).mode == ("phone",) and crosswalk().code(call).cameo == "041"
    assert crosswalk().code(call).scale == 1.5 and coding.scale == -2  # the manual's PLOVER scores


def test_records_hold_every_participant_as_an_entity_object() -> None:
    meeting = _event(EventType.MEETING, "التقى صدام حفتر وزير الدفاع يشار غولر في أنقرة.", ["Saddam Haftar"],
                     ["Yasar Guler"], location="Ankara", time="الجمعة")
    clash = _event(EventType.ARMED_CLASH, "اندلعت اشتباكات بين الجيش الوطني الليبي وقوات حكومة الوحدة الوطنية.",
                   ["Libyan National Army"], ["Government of National Unity"], cameo="190",
                   plover=Plover(event="ASSAULT", context=["military"]))
    records = plover_events(_article([meeting, clash], ENTITIES), "v1", now=NOW)
    assert [r.id for r in records] == ["art1-0", "art1-1"]
    met, fought = records
    # A meeting without host and guest: all participants are actors (PLOVER, CONSULT).
    assert [e.name for e in met.actor] == ["Saddam Haftar", "Yasar Guler"] and met.recipient == []
    saddam = met.actor[0]
    assert (saddam.code, saddam.sector, saddam.country, saddam.camp) == ("LBY", "MIL", "LBY", "haftar")
    assert saddam.actor_code == ENTITIES[0].code and saddam.entity_text == "صدام حفتر"
    lna, gnu = fought.actor[0], fought.recipient[0]
    assert lna.camp == "haftar" and gnu.camp == "gnu"
    assert lna.actor_code != gnu.actor_code  # the rival camps no longer share one code
    assert fought.event == [PloverCategory.ASSAULT] and fought.quad_code == QuadCode.MATERIAL_CONFLICT
    assert met.event_text == [meeting.evidence.text] and met.cite_info.publication == "Wire One"
    assert met.cameo == "040" and met.coder == "marsad v1" and met.coded_date == "2026-01-10"


def test_a_visit_keeps_the_guest_as_actor_and_the_host_as_recipient() -> None:
    hosted = _event(EventType.VISIT, "استقبل يشار غولر صدام حفتر.", ["Saddam Haftar"], ["Yasar Guler"], cameo="043",
                    plover=Plover(event="CONSULT", mode="host", context=["diplomatic"]))
    record = plover_events(_article([hosted], ENTITIES), "v1", now=NOW)[0]
    assert [e.name for e in record.actor] == ["Saddam Haftar"] and [e.name for e in record.recipient] == ["Yasar Guler"]
    assert record.mode == ["visit"] and record.cameo == "043"


def test_a_planned_visit_is_an_intention_agree() -> None:
    planned = _event(EventType.VISIT, "يزور صدام حفتر أنقرة الخميس المقبل.", ["Saddam Haftar"], [], cameo="042",
                     plover=Plover(event="CONSULT", mode="visit"), modality=Modality.PLANNED, time="الخميس المقبل")
    record = plover_events(_article([planned], ENTITIES), "v1", now=NOW)[0]
    assert record.event == [PloverCategory.AGREE] and record.cameo == "036" and record.mode == []
    assert record.date == "2025-06-05" and record.date_source == "event_time"  # the next Thursday


def test_dates_resolve_relative_to_publication_else_publication_else_processing() -> None:
    assert resolve_date("الجمعة", PUBLISHED, NOW).date == date(2025, 5, 30)  # the Friday before a Wednesday
    assert resolve_date("أمس", PUBLISHED, NOW).date == date(2025, 6, 3)
    assert resolve_date("والثلاثاء الماضي", PUBLISHED, NOW).date == date(2025, 6, 3)
    month = resolve_date("تشرين الثاني الماضي", PUBLISHED, NOW)
    assert (month.date, month.precision) == (date(2024, 11, 1), "month")
    assert resolve_date("29 و30 مايو", PUBLISHED, NOW).date == date(2025, 5, 29)
    assert resolve_date(None, PUBLISHED, NOW).source == "published"
    assert resolve_date("كلام لا يدل على وقت", PUBLISHED, NOW).date == PUBLISHED.date()
    unanchored = resolve_date("الجمعة", None, NOW)  # a weekday means nothing without the day it was written
    assert (unanchored.date, unanchored.source) == (NOW.date(), "processed")
    year = resolve_date("عام 2019", None, NOW)
    assert (year.date, year.source, year.precision) == (date(2019, 1, 1), "event_time", "year")


def test_a_record_without_any_date_still_has_one() -> None:
    event = _event(EventType.MEETING, "التقى صدام حفتر يشار غولر.", ["Saddam Haftar"], ["Yasar Guler"])
    record = plover_events(_article([event], ENTITIES, published=None), "v1", now=NOW)[0]
    assert record.date == "2026-01-10" and record.date_source == "processed"


def test_event_loc_carries_the_knowledge_base_coordinates(monkeypatch: pytest.MonkeyPatch) -> None:
    event = _event(EventType.MEETING, "التقى صدام حفتر يشار غولر في أنقرة.", ["Saddam Haftar"], ["Yasar Guler"],
                   location="Ankara")
    without = plover_events(_article([event], ENTITIES), "v1", now=NOW)[0]
    assert without.event_loc.resolved_place == "Ankara" and without.event_loc.extracted_place == "أنقرة"
    assert without.event_loc.country_code == "TUR"
    place = SimpleNamespace(country="TUR", lat=39.9199, lon=32.8543)
    monkeypatch.setattr(plover_module, "knowledge_place", lambda name: place if name == "Ankara" else None)
    located = plover_events(_article([event], ENTITIES), "v1", now=NOW)[0]
    assert (located.event_loc.lat, located.event_loc.lon) == (39.9199, 32.8543)
    unplaced = plover_events(_article([event.model_copy(update={"location": None})], ENTITIES), "v1", now=NOW)[0]
    assert unplaced.event_loc is None


def test_records_validate_against_the_published_schema_and_round_trip() -> None:
    events = [
        _event(EventType.MEETING, "التقى صدام حفتر يشار غولر في أنقرة أمس.", ["Saddam Haftar"], ["Yasar Guler"],
               location="Ankara", time="أمس"),
        _event(EventType.STATEMENT, "وندد الجيش الوطني الليبي في بيان بالهجوم.", ["Libyan National Army"], [],
               cameo="010", plover=Plover(event="OTHER", context=["political"])),
        _event(EventType.OTHER, "حدث آخر.", [], [], cameo="", plover=Plover(event="OTHER")),
    ]
    records = plover_events(_article(events, ENTITIES), "v1", now=NOW)
    assert [r.id for r in records] == ["art1-0", "art1-1"]  # OTHER has no PLOVER category: no record
    validator = Draft202012Validator(topic_schema("marsad.events.plover"))
    for record in records:
        document = record.to_dict()
        assert list(validator.iter_errors(document)) == []
        assert PloverEvent.from_json(record.to_json()) == record
    broken = records[0].to_dict() | {"event": ["OTHER"]}
    assert list(validator.iter_errors(broken))


def test_libyan_camp_actors_carry_their_camps_group_code() -> None:
    """The Haftar and Tripoli camps never share an actor code: HFT / GNU after country and sector."""
    suffix = {"haftar": "HFT", "gnu": "GNU"}
    wrong = [
        (actor.canonical, actor.code)
        for actor in load_knowledge().actors.actors
        if actor.camp in suffix and actor.code and actor.code.startswith("LBY")
        and not (len(actor.code) == 9 and actor.code.endswith(suffix[actor.camp]))
    ]
    assert wrong == []
