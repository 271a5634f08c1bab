"""The views the page draws, over records written for the tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from streams.dashboard import views
from streams.dashboard.store import Store
from streams.dashboard.views import EventFilter, Span, highlight
from .records import CLASH_TEXT, MEETING_TEXT, article


def _text_of(nodes: list[Any]) -> str:
    return "".join(node if isinstance(node, str) else _text_of(node["c"]) for node in nodes)


def _nodes(nodes: list[Any]) -> list[dict[str, Any]]:
    found = []
    for node in nodes:
        if not isinstance(node, str):
            found.append(node)
            found += _nodes(node["c"])
    return found


def test_highlight_nests_spans_and_keeps_every_character_once() -> None:
    text = "abcdefghij"
    tree = highlight(text, [Span(0, 10, "evidence", {}), Span(2, 5, "mention", {}), Span(1, 6, "cue", {})])
    assert _text_of(tree) == text
    evidence = tree[0]
    assert evidence["k"] == "evidence" and (evidence["s"], evidence["e"]) == (0, 10)
    cue = next(node for node in _nodes(tree) if node["k"] == "cue")
    assert (cue["s"], cue["e"]) == (1, 6)
    mention = next(node for node in _nodes(tree) if node["k"] == "mention")
    assert _text_of(mention["c"]) == "cde" and "part" not in mention


def test_highlight_cuts_a_crossing_span_in_two_parts() -> None:
    text = "abcdefghij"
    tree = highlight(text, [Span(0, 4, "cue", {}), Span(2, 7, "mention", {"entity": "X"})])
    assert _text_of(tree) == text
    parts = [node for node in _nodes(tree) if node["k"] == "mention"]
    assert [(p["s"], p["e"]) for p in parts] == [(2, 4), (4, 7)]
    assert all(p.get("part") for p in parts)


def test_article_view_marks_mentions_evidence_and_cues_at_their_offsets(store: Store) -> None:
    record = article("a1")
    store.upsert([record])
    with store.connect(read_only=True) as connection:
        view = views.article(connection, "a1")
        assert views.article(connection, "missing") is None
    assert view is not None and _text_of(view["tree"]) == MEETING_TEXT
    marked = {(node["k"], node["s"], node["e"]) for node in _nodes(view["tree"])}
    for entity in record.entities:
        for mention in entity.mentions:
            assert ("mention", mention.start, mention.end) in marked
            assert MEETING_TEXT[mention.start : mention.end] == mention.text
    cue = record.stance.evidence[0]
    assert ("cue", cue.start, cue.end) in marked
    assert view["cues"] == [{"cue": "framing", "weight": 0.3, "text": cue.text, "start": cue.start, "end": cue.end}]
    assert ("evidence", 0, record.events[0].evidence.end) in marked


def test_stance_series_averages_per_outlet_and_day_with_counts(store: Store) -> None:
    store.upsert(
        [
            article("a1", outlet="One", score=0.4, published="2026-03-02T08:00:00+00:00"),
            article("a2", outlet="One", score=0.0, published="2026-03-02T18:00:00+00:00"),
            article("a3", outlet="One", score=-0.5, published="2026-03-04T08:00:00+00:00"),
            article("b1", outlet="Two", text=CLASH_TEXT, score=-0.3, published="2026-03-03T08:00:00+00:00"),
        ]
    )
    with store.connect(read_only=True) as connection:
        series = {line["outlet"]: line for line in views.stance_series(connection)["outlets"]}
    assert series["One"]["x"] == ["2026-03-02", "2026-03-04"]
    assert series["One"]["y"] == [0.2, -0.5]
    assert series["One"]["n"] == [2, 1]
    assert series["Two"]["n"] == [1] and series["Two"]["critical"] == [1]


def test_timeline_filters_by_actor_camp_type_and_date(store: Store) -> None:
    store.upsert(
        [
            article("a1", published="2026-03-02T08:00:00+00:00"),
            article("b1", text=CLASH_TEXT, published="2026-03-05T08:00:00+00:00"),
        ]
    )
    with store.connect(read_only=True) as connection:
        def ids(**where: Any) -> list[str]:
            return [event["article_id"] for event in views.events(connection, EventFilter(**where))["events"]]

        assert ids() == ["b1", "a1"]  # newest first
        assert ids(actor="Turkey") == ["a1"]
        assert ids(camp="gnu") == ["b1"]
        assert ids(type="MEETING") == ["a1"]
        assert ids(since=date(2026, 3, 3)) == ["b1"]
        assert ids(until=date(2026, 3, 3)) == ["a1"]
        everything = views.events(connection)
    assert {(p["date"], p["type"], p["n"]) for p in everything["points"]} == {("2026-03-02", "MEETING", 1), ("2026-03-05", "ARMED_CLASH", 1)}
    assert "Khalifa Haftar" in everything["actors"]


def test_event_filter_reads_query_parameters_and_ignores_bad_dates() -> None:
    where = EventFilter.from_query({"actor": " Turkey ", "camp": "", "since": "2026-03-01", "until": "soon"})
    assert where == EventFilter(actor="Turkey", since=date(2026, 3, 1))


def test_network_links_who_met_or_fought_with_whom(store: Store) -> None:
    store.upsert([article("a1"), article("a2"), article("b1", text=CLASH_TEXT)])
    with store.connect(read_only=True) as connection:
        network = views.network(connection)
    links = {(link["a"], link["b"]): link for link in network["links"]}
    assert links[("Khalifa Haftar", "Turkey")]["types"] == {"MEETING": 2}
    assert links[("444 Brigade", "Special Deterrence Force")]["types"] == {"ARMED_CLASH": 1}
    nodes = {node["name"]: node for node in network["nodes"]}
    assert nodes["Khalifa Haftar"]["camp"] == "haftar" and nodes["Khalifa Haftar"]["mentions"] == 2
    assert "Benghazi" not in nodes  # a place named in the article, not a party to an event


def test_spring_layout_is_deterministic_and_separates_nodes() -> None:
    names = ["a", "b", "c", "d"]
    links = [("a", "b", 3), ("b", "c", 1)]
    first = views.spring_layout(names, links)
    assert first == views.spring_layout(names, links)
    points = list(first.values())
    assert min(abs(p[0] - q[0]) + abs(p[1] - q[1]) for i, p in enumerate(points) for q in points[i + 1 :]) > 0.05


def test_page_data_on_an_empty_store_has_empty_views(store: Store) -> None:
    store.create()
    with store.connect(read_only=True) as connection:
        data = views.page_data(connection)
    assert data["summary"]["articles"] == 0
    assert data["stance"]["outlets"] == [] and data["stories"] == [] and data["network"]["nodes"] == []
