"""``marsad dashboard``: the page and its JSON API, served by aiohttp from the store.

The page polls ``/api/version`` every few seconds; the version is the store file's
signature (size and time of the file and its WAL), so an idle poll never opens the
database. Answers are cached per signature and query, so a hundred open pages cost
one query per change. Queries run in a worker thread, one at a time, on a read-only
connection opened for the query: the store worker can write between them.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web

from streams.dashboard import views
from streams.dashboard.store import Store, StoreBusy

STATIC = Path(__file__).parent / "static"
#: How often the page asks whether the store changed (seconds).
POLL_SECONDS = 3.0
_CACHE_SIZE = 256


@functools.cache
def plotly_js() -> bytes:
    """plotly.js as the installed ``plotly`` package ships it (no CDN)."""
    import plotly

    bundled = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if bundled.is_file():
        return bundled.read_bytes()
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().encode()


def index_html(*, poll_seconds: float = POLL_SECONDS) -> str:
    """The page shell; the script fills it from the API."""
    page = (STATIC / "index.html").read_text("utf-8")
    config = orjson.dumps({"mode": "live", "poll": poll_seconds}).decode()
    head = (
        '<link rel="stylesheet" href="static/dashboard.css">\n'
        '<script src="static/plotly.min.js"></script>\n'
        f"<script>window.MARSAD = {config};</script>\n"
        '<script src="static/dashboard.js" defer></script>'
    )
    return page.replace("<!--HEAD-->", head)


class Dashboard:
    """The API over one store, with answers cached per store signature."""

    def __init__(self, store: Store, *, poll_seconds: float = POLL_SECONDS) -> None:
        self.store = store
        self.poll_seconds = poll_seconds
        self._lock = asyncio.Lock()
        self._cache: dict[tuple[Any, ...], bytes] = {}

    async def _answer(self, key: tuple[Any, ...], compute: Callable[[Any], Any]) -> bytes:
        signature = self.store.signature()
        cache_key = (signature, *key)
        cached = self._cache.get(cache_key)
        if cached is not None:
            return cached
        async with self._lock:
            cached = self._cache.get(cache_key)
            if cached is not None:
                return cached
            try:
                body = await asyncio.to_thread(self._query, compute)
            except StoreBusy as error:  # a writer held the file past the lock timeout: the page retries
                raise web.HTTPServiceUnavailable(text=str(error)) from error
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            self._cache[cache_key] = body
            return body

    def _query(self, compute: Callable[[Any], Any]) -> bytes:
        with self.store.connect(read_only=True) as connection:
            return orjson.dumps(compute(connection))

    @staticmethod
    def _json(body: bytes, status: int = 200) -> web.Response:
        return web.Response(body=body, status=status, content_type="application/json", headers={"Cache-Control": "no-store"})

    async def index(self, request: web.Request) -> web.Response:
        return web.Response(text=index_html(poll_seconds=self.poll_seconds), content_type="text/html", charset="utf-8")

    async def plotly(self, request: web.Request) -> web.Response:
        return web.Response(
            body=plotly_js(), content_type="application/javascript", headers={"Cache-Control": "max-age=86400"}
        )

    async def static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        path = STATIC / name
        if name not in {"dashboard.js", "dashboard.css"} or not path.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(path, headers={"Cache-Control": "no-cache"})

    async def version(self, request: web.Request) -> web.Response:
        return self._json(orjson.dumps({"version": "-".join(map(str, self.store.signature()))}))

    async def page(self, request: web.Request) -> web.Response:
        where = views.EventFilter.from_query(request.query)
        return self._json(await self._answer(("page", where), lambda c: views.page_data(c, where)))

    async def timeline(self, request: web.Request) -> web.Response:
        where = views.EventFilter.from_query(request.query)
        return self._json(await self._answer(("events", where), lambda c: views.events(c, where)))

    async def view(self, request: web.Request) -> web.Response:
        name = request.match_info["view"]
        compute = {
            "summary": views.summary,
            "stance": views.stance_series,
            "network": views.network,
            "stories": views.stories,
            "articles": views.articles,
        }.get(name)
        if compute is None:
            raise web.HTTPNotFound()
        return self._json(await self._answer((name,), compute))

    async def article(self, request: web.Request) -> web.Response:
        article_id = request.match_info["id"]
        body = await self._answer(("article", article_id), lambda c: views.article(c, article_id))
        if body == b"null":
            return self._json(orjson.dumps({"error": f"no article {article_id}"}), status=404)
        return self._json(body)


def make_app(store: Store, *, poll_seconds: float = POLL_SECONDS) -> web.Application:
    """The aiohttp application: page, static files, JSON API."""
    store.create()
    dashboard = Dashboard(store, poll_seconds=poll_seconds)
    app = web.Application()
    app.add_routes(
        [
            web.get("/", dashboard.index),
            web.get("/static/plotly.min.js", dashboard.plotly),
            web.get("/static/{name}", dashboard.static),
            web.get("/api/version", dashboard.version),
            web.get("/api/page", dashboard.page),
            web.get("/api/events", dashboard.timeline),
            web.get("/api/article/{id}", dashboard.article),
            web.get("/api/{view}", dashboard.view),
        ]
    )
    return app


def serve(store: Store, *, host: str = "127.0.0.1", port: int = 8050, echo: Callable[..., None] | None = None) -> None:
    """Serve until interrupted (Ctrl-C)."""
    app = make_app(store)
    if echo is not None:
        echo(f"dashboard on http://{host}:{port}/ over {store.path} (Ctrl-C stops it)", err=True)
    web.run_app(app, host=host, port=port, print=None, handle_signals=True)
