"""The static report: one file, every asset inlined, the same views."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
from click.testing import CliRunner

from streams.cli import main
from streams.dashboard.server import plotly_js
from streams.dashboard.store import Store

from .records import CLASH_TEXT, article
from .test_server import EXTERNAL


def test_report_is_one_self_contained_file(tmp_path: Path, store: Store) -> None:
    store.upsert([article("a1"), article("b1", text=CLASH_TEXT, outlet="Outlet Two")])
    out = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["report", "--html", str(out), "--store", str(store.path)])
    assert result.exit_code == 0, result.output
    html = out.read_text("utf-8")
    assert plotly_js().decode() in html  # inlined as the package ships it; its own links (logo, map tiles) are never fetched
    assert not EXTERNAL.search(html.replace(plotly_js().decode(), ""))
    assert "<script src=" not in html and '<link rel="stylesheet"' not in html  # everything inline
    assert "Plotly" in html and ".hl-mention" in html
    match = re.search(r"window\.MARSAD_DATA = (\{.*?\});</script>", html, re.DOTALL)
    assert match is not None
    data = orjson.loads(match.group(1))
    assert data["summary"]["articles"] == 2
    assert set(data["article_views"]) == {"a1", "b1"}
    assert {event["article_id"] for event in data["timeline"]["events"]} == {"a1", "b1"}
    assert "</script" not in match.group(1)
