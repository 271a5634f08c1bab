"""The dashboard's HTTP side: page, offline assets, JSON API, change detection."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import plotly
import pytest
from aiohttp.test_utils import TestClient, TestServer

from streams.dashboard.server import STATIC, make_app
from streams.dashboard.store import Store

from .records import CLASH_TEXT, article

#: An address the browser would fetch from elsewhere: a script, style, font or image source.
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|@import|url\(\s*["']?(?:https?:)?//""", re.IGNORECASE)


@pytest.fixture
async def client(store: Store) -> AsyncIterator[TestClient]:
    store.upsert([article("a1"), article("b1", text=CLASH_TEXT, outlet="Outlet Two", score=-0.5)])
    async with TestClient(TestServer(make_app(store, poll_seconds=1))) as client:
        yield client


async def test_the_page_and_its_assets_come_from_the_installed_packages(client: TestClient) -> None:
    page = await client.get("/")
    html = await page.text()
    assert page.status == 200 and "static/plotly.min.js" in html
    for name in ("dashboard.js", "dashboard.css"):
        response = await client.get(f"/static/{name}")
        assert response.status == 200
        assert not EXTERNAL.search(await response.text()), name
    assert not EXTERNAL.search(html)
    bundled = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    served = await client.get("/static/plotly.min.js")
    assert served.status == 200 and await served.read() == bundled.read_bytes()
    assert (await client.get("/static/../server.py")).status == 404
    assert (STATIC / "index.html").is_file()


async def test_the_api_answers_every_view(client: TestClient) -> None:
    page = await (await client.get("/api/page")).json()
    assert page["summary"]["articles"] == 2
    assert {line["outlet"] for line in page["stance"]["outlets"]} == {"Outlet One", "Outlet Two"}
    filtered = await (await client.get("/api/events", params={"camp": "gnu"})).json()
    assert [event["article_id"] for event in filtered["events"]] == ["b1"]
    view = await (await client.get("/api/article/a1")).json()
    assert view["id"] == "a1" and view["cues"][0]["weight"] == 0.3
    assert (await client.get("/api/article/nope")).status == 404
    assert (await client.get("/api/nothing")).status == 404
    for name in ("summary", "stance", "network", "stories", "articles"):
        assert (await client.get(f"/api/{name}")).status == 200


async def test_the_version_changes_when_a_write_lands(client: TestClient, store: Store) -> None:
    before = (await (await client.get("/api/version")).json())["version"]
    assert (await (await client.get("/api/version")).json())["version"] == before
    assert (await (await client.get("/api/page")).json())["summary"]["articles"] == 2
    store.upsert([article("c1", outlet="Outlet Three")])
    after = (await (await client.get("/api/version")).json())["version"]
    assert after != before
    assert (await (await client.get("/api/page")).json())["summary"]["articles"] == 3  # not the cached answer
