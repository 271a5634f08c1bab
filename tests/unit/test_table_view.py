"""The stories state's view of a Faust table: JSON values under a key prefix, each kept in
a bytes object of its own size (``exact_json``)."""

from __future__ import annotations

import tracemalloc

import orjson

from streams.runtime.stories_agent import TableView, exact_json


def test_exact_json_is_orjson_output_in_an_object_of_its_size() -> None:
    values = ["story-0123456789abcdef", {"id": "story-1", "articles": ["a"] * 40, "text": "نص" * 500}]
    for value in values:
        assert exact_json(value) == orjson.dumps(value)
    tracemalloc.start()
    try:
        kept = [exact_json(values[0]) for _ in range(1000)]
        per_value, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(kept) == 1000
    assert per_value / 1000 < 200, f"{per_value / 1000:.0f} bytes kept per 24-byte value"


def test_views_share_one_table_under_their_prefixes() -> None:
    table: dict[bytes, bytes] = {}
    stories, members = TableView(table, "stories"), TableView(table, "members")
    stories["s1"] = {"id": "s1", "num_sources": 2}
    members["e1"] = "s1"
    members["e2"] = "s1"
    assert stories["s1"] == {"id": "s1", "num_sources": 2} and members["e2"] == "s1"
    assert sorted(members) == ["e1", "e2"] and list(stories) == ["s1"] and len(members) == 2
    assert "e1" in members and "e1" not in stories and 7 not in members
    del members["e1"]
    assert sorted(members) == ["e2"]
    assert all(isinstance(value, bytes) for value in table.values())
