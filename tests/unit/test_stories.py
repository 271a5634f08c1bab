"""Stories: one happening reported by many outlets becomes one story; replays count once.

The articles are written for these tests (not taken from any outlet).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from jsonschema import Draft202012Validator

from models import RawArticle, Source, Story
from models.plover import CiteInfo, PloverEntity, PloverEvent, PloverLocation
from models.schema import topic_schema
from streams.stages.plover import plover_events
from streams.stages.pipeline import default_context, process_article
import copy
from collections.abc import MutableMapping

from streams.stages.stories import StoryRules, StoryState, apply, matches, outlet, story_of

NOW = datetime(2026, 1, 10, tzinfo=timezone.utc)
UTC = timezone.utc

#: The same meeting (Tuesday 3 June 2025, Ankara) written up by three outlets, and the same
#: two parties meeting again a month later.
MEETING_REPORTS = [
    ("r1", "التقى صدام حفتر وزير الدفاع التركي يشار غولر في أنقرة يوم الثلاثاء، وبحث الجانبان ملفات الأمن.",
     Source(name="Wire One", url="https://www.wire-one.example/news/1"), datetime(2025, 6, 4, 8, tzinfo=UTC)),
    ("r2", "عقد وزير الدفاع التركي يشار غولر اجتماعا مع صدام حفتر في العاصمة أنقرة أمس لبحث ملفات الأمن.",
     Source(url="https://daily-two.example/libya/2"), datetime(2025, 6, 4, 18, tzinfo=UTC)),
    ("r3", "وأجرى صدام حفتر في أنقرة الثلاثاء الماضي مباحثات مع وزير الدفاع التركي يشار غولر تناولت ملفات الأمن.",
     Source(name="Third Post"), datetime(2025, 6, 5, 7, tzinfo=UTC)),
]
LATER_MEETING = (
    "r4", "التقى صدام حفتر وزير الدفاع التركي يشار غولر في أنقرة يوم الخميس لمتابعة ملفات الأمن.",
    Source(name="Wire One", url="https://www.wire-one.example/news/9"), datetime(2025, 7, 4, 8, tzinfo=UTC),
)


def _plover(reports: list[tuple[str, str, Source, datetime]]) -> list[PloverEvent]:
    context = default_context()
    records: list[PloverEvent] = []
    for article_id, text, source, published in reports:
        article = process_article(RawArticle(id=article_id, text=text, source=source, published_at=published), context)
        records += plover_events(article, "test", now=NOW)
    return records


def _consults(state: StoryState) -> list[Story]:
    return [story for sid in state.stories if (story := state.story(sid)).type == "CONSULT"]


def _run(records: list[PloverEvent], state: StoryState | None = None) -> tuple[StoryState, list[Story]]:
    state = state or StoryState()
    changed = []
    for record in records:
        state, story = apply(state, record)
        if story is not None:
            changed.append(story)
    return state, changed


def test_three_outlets_reporting_one_meeting_make_one_story() -> None:
    records = _plover(MEETING_REPORTS)
    state, changed = _run(records)
    stories = _consults(state)
    assert len(stories) == 1, [s.events for s in stories]
    story = stories[0]
    assert story.num_sources == 3 and story.num_articles == 3
    assert story.sources == ["daily-two.example", "third post", "wire one"]
    assert {p.name for p in story.participants} >= {"Saddam Haftar", "Yasar Guler"}
    saddam = next(p for p in story.participants if p.name == "Saddam Haftar")
    assert saddam.camp == "haftar" and saddam.actor_code and saddam.events == 3
    assert story.location is not None and story.location.resolved_place == "Ankara"
    assert (story.event_date.start, story.event_date.end) == ("2025-06-03", "2025-06-03")
    assert story.first_seen == datetime(2025, 6, 4, 8, tzinfo=UTC)
    assert story.last_seen == datetime(2025, 6, 5, 7, tzinfo=UTC)
    assert story.evidence.article_id == "r1"  # the earliest report
    assert changed[-1] == story  # every change publishes the full current state
    assert list(Draft202012Validator(topic_schema("marsad.events.stories")).iter_errors(story.to_dict())) == []


def test_the_same_parties_a_month_apart_are_two_stories() -> None:
    state, _ = _run(_plover([*MEETING_REPORTS, LATER_MEETING]))
    stories = sorted(_consults(state), key=lambda story: story.event_date.start)
    assert len(stories) == 2
    assert [s.num_articles for s in stories] == [3, 1]
    assert stories[1].event_date.start == "2025-07-03"


def test_a_report_arriving_after_a_later_story_still_joins_its_own() -> None:
    """Arrival order is not date order (partitions, replays of history): a meeting report that
    comes after the report of a meeting five weeks later still joins the first meeting."""
    first, second = _plover(MEETING_REPORTS[:1]), _plover(MEETING_REPORTS[1:])
    third = [record.model_copy(update={"date": "2025-07-08"}) for record in _plover([LATER_MEETING])]  # five weeks
    state, _ = _run([*first, *third, *second])
    stories = sorted(_consults(state), key=lambda story: story.event_date.start)
    assert [s.num_articles for s in stories] == [3, 1]
    years_earlier = [record.model_copy(update={"id": f"old-{record.id}", "date": "2019-06-03"}) for record in first + second]
    state, _ = _run(years_earlier, state)  # history replayed after the present
    assert [s.num_articles for s in sorted(_consults(state), key=lambda story: story.event_date.start)] == [3, 3, 1]


def test_a_replay_leaves_the_counts_unchanged() -> None:
    records = _plover(MEETING_REPORTS)
    state, _ = _run(records)
    before = {sid: dict(value) for sid, value in state.stories.items()}
    state, changed = _run(records, state)  # a replay, a redelivery: the same event ids
    assert changed == []
    assert state.stories == before
    replayed, _ = _run(_plover(MEETING_REPORTS), state)  # re-coded from the same articles
    assert replayed.stories == before


# ------------------------------------------------------------------ the rule, field by field


def _record(
    event_id: str, day: str, names: list[str], *, category: str = "CONSULT", place: str | None = "Ankara",
    publication: str | None = "Wire One", url: str | None = None,
) -> PloverEvent:
    article = event_id.rsplit("-", 1)[0]
    return PloverEvent(
        id=event_id, article_id=article, date=day, date_source="event_time", date_precision="day",
        actor=[PloverEntity(name=name, type="PER") for name in names], recipient=[],
        event=[category], mode=[], context=[], quad_code=1 if category == "CONSULT" else 4, event_scale=2.5 if category == "CONSULT" else -9,
        event_loc=PloverLocation(resolved_place=place) if place else None,
        event_text=[f"sentence of {event_id}"], event_start=0, event_end=10, modality="asserted",
        cite_info=CiteInfo(article_id=article, publication=publication, url=url),
        marsad_type="MEETING" if category == "CONSULT" else "ARMED_CLASH", cameo="040" if category == "CONSULT" else "190",
        coder="marsad test", coded_date="2025-06-10", pipeline_version="test",
    )


def test_matching_needs_type_participants_window_and_place() -> None:
    state, story = apply(StoryState(), _record("a-0", "2025-06-03", ["A", "B"]))
    rules = StoryRules()
    assert matches(story, _record("b-0", "2025-06-05", ["B", "C"]), rules)
    assert not matches(story, _record("b-0", "2025-06-05", ["C"]), rules)  # nobody shared
    assert not matches(story, _record("b-0", "2025-06-05", ["A"], category="ASSAULT"), rules)
    assert not matches(story, _record("b-0", "2025-06-07", ["A"]), rules)  # 4 days: outside the default 3
    assert matches(story, _record("b-0", "2025-06-07", ["A"]), StoryRules(window=timedelta(days=5)))
    assert not matches(story, _record("b-0", "2025-06-03", ["A"], place="Tripoli"), rules)
    assert matches(story, _record("b-0", "2025-06-03", ["A"], place=None), rules)  # one side has no place


def test_a_story_cannot_drift_beyond_its_window() -> None:
    state = StoryState()
    for number, day in enumerate(["2025-06-01", "2025-06-03", "2025-06-05", "2025-06-07"]):
        state, _ = apply(state, _record(f"x{number}-0", day, ["A"]))
    spans = sorted((s["event_date"]["start"], s["event_date"]["end"]) for s in state.stories.values())
    assert spans == [("2025-06-01", "2025-06-03"), ("2025-06-05", "2025-06-07")]


def test_an_undated_event_joins_no_story_and_none_joins_it() -> None:
    state, first = apply(StoryState(), _record("u1-0", "2025-06-03", ["A"]).model_copy(update={"date_source": "processed"}))
    state, second = apply(state, _record("u2-0", "2025-06-03", ["A"]))
    state, third = apply(state, _record("u3-0", "2025-06-03", ["A"]).model_copy(update={"date_source": "processed"}))
    assert len({first.id, second.id, third.id}) == 3 and len(state.stories) == 3


def test_outlets_are_counted_by_name_else_url_host() -> None:
    assert outlet(_record("a-0", "2025-06-03", ["A"], publication="  Wire One ")) == "wire one"
    assert outlet(_record("a-0", "2025-06-03", ["A"], publication=None, url="https://www.x.example/p")) == "x.example"
    unknown = _record("a-0", "2025-06-03", ["A"], publication=None)
    assert outlet(unknown) is None
    _, story = apply(StoryState(), unknown)
    assert story.num_sources == 0 and story.num_articles == 1


def test_the_same_outlet_twice_is_one_source() -> None:
    state = StoryState()
    for article in ("p1", "p2"):
        state, story = apply(state, _record(f"{article}-0", "2025-06-03", ["A"], publication="Wire One"))
    assert (story.num_articles, story.num_sources, story.num_events) == (2, 1, 2)


class Changelogged(MutableMapping):
    """A table stand-in: values are stored as copies and every assignment is logged."""

    def __init__(self, log: list, name: str, data: dict | None = None):
        self._data, self._log, self._name = dict(data or {}), log, name

    def __getitem__(self, key):
        return copy.deepcopy(self._data[key])

    def __setitem__(self, key, value) -> None:
        self._data[key] = copy.deepcopy(value)
        self._log.append((self._name, key, copy.deepcopy(value)))

    def __delitem__(self, key) -> None:
        del self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def _tables(log: list, restored: dict | None = None) -> StoryState:
    restored = restored or {}
    return StoryState(*(Changelogged(log, name, restored.get(name)) for name in ("stories", "members", "by_type")))


def _restore(log: list) -> dict:
    """What a new worker rebuilds from the changelog topics."""
    tables: dict = {"stories": {}, "members": {}, "by_type": {}}
    for name, key, value in log:
        tables[name][key] = value
    return tables


def test_table_backed_state_and_a_restart_from_the_changelog_give_the_same_stories() -> None:
    records = _plover([*MEETING_REPORTS, LATER_MEETING])
    plain, _ = _run(records)
    log: list = []
    first = _tables(log)
    for record in records[:2]:
        apply(first, record)
    restarted = _tables([], _restore(log))  # the worker died after two events; a new one takes over
    for record in records[1:]:  # the uncommitted offset is redelivered
        state, story = apply(restarted, record)
        if story is None:
            assert story_of(state, record.id) is not None  # what the agent republishes
    assert {k: restarted.stories[k] for k in restarted.stories} == plain.stories
    assert dict(restarted.members) == dict(plain.members)


def test_the_open_stories_of_a_category_are_bounded_the_latest_kept() -> None:
    [meeting] = [r for r in _plover(MEETING_REPORTS[:1]) if r.event[0] == "CONSULT"]
    dated = [meeting.model_copy(update={"id": f"m{n}", "date": f"2025-0{n}-01"}) for n in (3, 1, 2)]
    state = StoryState()
    for record in dated:
        state, _ = apply(state, record, StoryRules(open_stories=2))
    assert len(state.stories) == 3  # every story stays; the earliest-dated is no candidate any more
    assert sorted(state.story(sid).event_date.start for sid in state.by_type["CONSULT"]) == ["2025-02-01", "2025-03-01"]


def test_a_crash_that_lost_only_the_open_list_write_is_mended_by_the_redelivery() -> None:
    first, rest = _plover(MEETING_REPORTS[:1]), _plover(MEETING_REPORTS[1:])
    state, _ = _run(first)
    state.by_type["CONSULT"] = []  # the story and its member were written, the list was not
    state, _ = _run(first, state)  # redelivered: a repeat, which puts the story back in the list
    state, _ = _run(rest, state)
    assert [story.num_articles for story in _consults(state)] == [3]
