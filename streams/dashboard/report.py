"""``marsad report --html FILE``: the dashboard's views as one self-contained HTML file.

Styles, plotly.js, the page script and the data are inlined, so the file opens offline
anywhere. The article view carries the newest ``articles`` articles (the list beside it
shows the same ones); the timeline carries the newest events and filters them in the page.
"""

from __future__ import annotations

from datetime import UTC, datetime
import re
from pathlib import Path
from typing import Any

import orjson

from streams.dashboard import views
from streams.dashboard.server import STATIC, plotly_js
from streams.dashboard.store import Store


def _script(code: str) -> str:
    """Code safe inside a ``<script>`` element (nothing in it may close the element)."""
    return re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE)


def _json_script(data: Any) -> str:
    """JSON safe inside a ``<script>`` element: ``<`` escaped wherever it occurs (only in strings)."""
    return orjson.dumps(data).decode().replace("<", "\\u003c")


def report_data(store: Store, *, articles: int = 200) -> dict[str, Any]:
    """What the static page draws: the live page's data plus the article views it can open."""
    with store.connect(read_only=True) as connection:
        data = views.page_data(connection)
        data["timeline"] = views.events(connection, rows=views.MAX_REPORT_EVENTS)
        del data["timeline"]["points"]  # counted in the page from the events it filters
        data["articles"] = views.articles(connection, limit=articles)["articles"]
        data["article_views"] = {
            item["id"]: views.article(connection, item["id"]) for item in data["articles"]
        }
    data["generated_at"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return data


def render_report(store: Store, *, articles: int = 200) -> str:
    page = (STATIC / "index.html").read_text("utf-8")
    data = _json_script(report_data(store, articles=articles))
    config = _json_script({"mode": "static"})
    head = "\n".join(
        [
            f"<style>\n{(STATIC / 'dashboard.css').read_text('utf-8')}\n</style>",
            f"<script>{_script(plotly_js().decode('utf-8'))}</script>",
            f"<script>window.MARSAD = {config}; window.MARSAD_DATA = {data};</script>",
            f"<script>{_script((STATIC / 'dashboard.js').read_text('utf-8'))}</script>",
        ]
    )
    return page.replace("<!--HEAD-->", head)


def write_report(store: Store, out: Path, *, articles: int = 200) -> int:
    """Write the report; returns its size in bytes."""
    html = render_report(store, articles=articles)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, "utf-8")
    return out.stat().st_size
