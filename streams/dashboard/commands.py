"""The ``store``, ``dashboard`` and ``report`` commands, registered on ``marsad`` by streams.cli.

Heavy imports (DuckDB, aiohttp) wait until a command runs, so ``marsad --help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import click

#: Where ``marsad dashboard`` listens unless told otherwise.
DEFAULT_PORT = 8050

store_option = click.option(
    "--store", "store_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="DuckDB file (default: MARSAD_STORE, else MARSAD_DATA_DIR/marsad.duckdb)",
)


def _store(store_path: Path | None) -> Any:
    from streams.cli import _settings
    from streams.dashboard.store import Store, default_store_path

    return Store(store_path or default_store_path(_settings(None)))


@click.group("store")
def store() -> None:
    """The embedded analytic store (DuckDB) the dashboard reads."""


@store.command("load")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@store_option
def store_load(files: tuple[Path, ...], store_path: Path | None) -> None:
    """Upsert enriched articles, PLOVER events and stories from JSONL files (marsad process / tail output).

    Rows are keyed by id and pipeline version: loading the same file twice changes nothing.
    """
    from streams.dashboard.store import load_records, read_jsonl

    target = _store(store_path)
    counts = load_records(target, read_jsonl(files))
    for problem in counts.skipped[:20]:
        click.echo(f"skipped: {problem}", err=True)
    click.echo(
        f"{target.path}: upserted {counts.articles} article(s), {counts.plover} PLOVER event(s), "
        f"{counts.stories} stor(y/ies); {len(counts.skipped)} skipped",
        err=True,
    )


@click.command("dashboard")
@click.option("--port", type=int, default=DEFAULT_PORT, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on (0.0.0.0: every interface)")
@store_option
def dashboard(port: int, host: str, store_path: Path | None) -> None:
    """Serve the live dashboard over the store (the page follows the store as it fills)."""
    from streams.dashboard.server import serve

    serve(_store(store_path), host=host, port=port, echo=click.echo)


@click.command("report")
@click.option("--html", "out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="file to write")
@click.option("--articles", type=int, default=200, show_default=True, help="newest articles the article view carries")
@store_option
def report(out: Path, articles: int, store_path: Path | None) -> None:
    """Write the dashboard's views as one self-contained HTML file (works offline)."""
    from streams.dashboard.report import write_report

    target = _store(store_path)
    size = write_report(target, out, articles=articles)
    click.echo(f"wrote {out} ({size / 1e6:.1f} MB) from {target.path}", err=True)


def serve_demo(records: Iterable[Any], *, port: int, echo: Callable[..., None]) -> None:
    """``marsad demo --dashboard``: put the demo's enriched records in the store, then serve it."""
    from streams.dashboard.server import serve
    from streams.dashboard.store import load_records

    target = _store(None)
    counts = load_records(target, records)
    echo(f"stored {counts.articles} article(s) in {target.path}", err=True)
    serve(target, port=port, echo=echo)


COMMANDS = (store, dashboard, report)
