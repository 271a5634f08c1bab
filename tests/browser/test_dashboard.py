"""The dashboard in a real browser: charts with the sample outlets, Arabic right-to-left
with mentions at their offsets, and live updates while articles arrive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from models import Source
from streams.dashboard.store import Store, outlet_of

from .conftest import Running, marsad

pytestmark = pytest.mark.browser

#: An article written for this test (its outlet and date are new to the store).
NEW_ARTICLE = {
    "title": "فيدان يبحث مع الدبيبة في أنقرة ملفات الطاقة",
    "text": (
        "فيدان يبحث مع الدبيبة في أنقرة ملفات الطاقة\n"
        "عقد وزير الخارجية التركي هاكان فيدان اجتماعا في أنقرة مع رئيس حكومة الوحدة الوطنية عبد الحميد الدبيبة، "
        "وبحث الجانبان ملفات التعاون الاقتصادي والطاقة.\n"
        "وأكد الطرفان أهمية استمرار التنسيق بين البلدين في المرحلة المقبلة."
    ),
    "source": {"name": "Browser Test Outlet"},
    "published_at": "2026-02-10T08:00:00+00:00",
}


@pytest.fixture
def page(browser: Any, dashboard: Running) -> Any:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
    page = context.new_page()
    page.requests = []  # type: ignore[attr-defined]
    page.on("request", lambda request: page.requests.append(request.url))  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(dashboard.url)
    page.wait_for_function("document.body.dataset.articles !== undefined && document.body.dataset.article !== undefined", timeout=30_000)
    yield page
    assert errors == [], errors
    assert all(url.startswith(dashboard.url) or url.startswith("data:") for url in page.requests), page.requests  # offline
    context.close()


def _traces(page: Any, chart: str) -> list[dict[str, Any]]:
    return page.evaluate(f"document.getElementById('{chart}').data.map(t => ({{name: t.name, x: t.x, y: t.y, mode: t.mode}}))")


def test_charts_render_points_for_the_sample_outlets(page: Any, dashboard: Running, artifacts: Path) -> None:
    outlets = {outlet_of(Source(**record["source"])) for record in dashboard.records}
    stance = _traces(page, "stance-chart")
    assert {trace["name"] for trace in stance} == outlets
    drawn = page.locator("#stance-chart .scatterlayer .trace .points path").count()
    assert drawn >= len(outlets)
    by_outlet = {trace["name"]: trace["y"][0] for trace in stance}
    for record in dashboard.records:
        assert by_outlet[outlet_of(Source(**record["source"]))] == pytest.approx(record["stance"]["score"], abs=1e-3)
    types = {event["type"] for record in dashboard.records for event in record["events"]}
    assert {trace["name"] for trace in _traces(page, "timeline-chart")} == types
    assert page.locator("#timeline-chart .scatterlayer .trace .points path").count() >= len(types)
    assert page.locator("#network-chart .scatterlayer .trace .points path").count() > 2
    assert page.locator("#stories-empty").is_visible()  # no stories stage ran: the empty state says so
    page.screenshot(path=str(artifacts / "dashboard-samples.png"), full_page=True)


def test_article_view_shows_arabic_right_to_left_with_mentions_at_their_offsets(
    page: Any, dashboard: Running, artifacts: Path
) -> None:
    record = max(dashboard.records, key=lambda r: len(r["stance"]["evidence"]))
    page.click(f'#articles-table tr[data-article="{record["id"]}"]')
    page.wait_for_function(f"document.body.dataset.article === {orjson.dumps(record['id']).decode()}")
    body = page.locator("#article-text")
    assert body.get_attribute("dir") == "rtl"
    assert body.evaluate("el => getComputedStyle(el).direction") == "rtl"
    text = record["text"]
    checked = 0
    for entity in record["entities"]:
        for mention in entity["mentions"]:
            span = page.locator(
                f'#article-text .hl-mention[data-start="{mention["start"]}"][data-end="{mention["end"]}"]:not([data-part])'
            )
            if span.count() == 0:  # cut in two by a cue it crosses: checked by the unit tests
                continue
            assert span.first.text_content() == mention["text"] == text[mention["start"] : mention["end"]]
            assert span.first.get_attribute("data-entity") == entity["canonical"]
            checked += 1
    assert checked >= len(record["entities"])
    cues = page.locator("#article-text .hl-cue")
    assert cues.count() >= 1
    first = record["stance"]["evidence"][0]
    weight = page.locator(f'#article-text .hl-cue[data-start="{first["start"]}"]').first.get_attribute("data-weight")
    assert weight is not None and abs(float(weight.replace("−", "-")) - first["weight"]) < 0.006
    assert page.locator("#article-cues li").count() == len(record["stance"]["evidence"])
    assert page.locator("#article-text .hl-evidence").count() >= 1
    page.locator("#article-card").screenshot(path=str(artifacts / "article-view.png"))


def test_page_updates_when_a_new_article_reaches_the_store(page: Any, dashboard: Running, artifacts: Path) -> None:
    before = int(page.evaluate("document.body.dataset.articles"))
    raw = dashboard.workdir / "new.jsonl"
    raw.write_bytes(orjson.dumps(NEW_ARTICLE) + b"\n")
    enriched = dashboard.workdir / "new-enriched.jsonl"
    marsad("process", str(raw), "--out", str(enriched))
    marsad("store", "load", str(enriched), "--store", str(dashboard.store))  # another process writes while the page reads
    page.wait_for_function(f"Number(document.body.dataset.articles) === {before + 1}", timeout=30_000)
    page.wait_for_function(
        "document.getElementById('stance-chart').data.some(t => t.name === 'Browser Test Outlet')", timeout=10_000
    )
    assert page.locator("#articles-table tr[data-article]").count() == before + 1
    page.screenshot(path=str(artifacts / "dashboard-updated.png"), full_page=True)


def test_static_report_draws_the_views_offline_and_filters_in_the_page(
    browser: Any, dashboard: Running, artifacts: Path
) -> None:
    out = dashboard.workdir / "report.html"
    marsad("report", "--html", str(out), "--store", str(dashboard.store))
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(out.as_uri())
    page.wait_for_function("document.body.dataset.article !== undefined", timeout=30_000)
    outlets = {outlet_of(Source(**record["source"])) for record in dashboard.records}
    assert outlets <= {trace["name"] for trace in _traces(page, "stance-chart")}
    everything = page.locator("#timeline-table tr[data-article]").count()
    gnu = Store(dashboard.store).query("SELECT count(*) FROM events WHERE list_contains(camps, 'gnu')")[0][0]
    page.select_option("#f-camp", "gnu")
    page.wait_for_function(f"document.querySelectorAll('#timeline-table tr[data-article]').length === {gnu}", timeout=10_000)
    assert 0 < gnu < everything
    assert page.locator("#article-text").get_attribute("dir") == "rtl"
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
    page.screenshot(path=str(artifacts / "static-report.png"), full_page=True)
    context.close()
