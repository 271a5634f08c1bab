"""``marsad asyncapi`` and ``marsad export``: the published contract and flat event-data files."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import IO

import click
import orjson

from streams.stages.stories import STORIES
from streams.io.topics import PLOVER


@click.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="default: stdout")
@click.option("--base-url", default=None, help="publish the payload schemas' $id under this URL (default: URNs)")
@click.option("--broker", envvar="MARSAD_BROKER", default=None, help="kafka://host:port named as the server")
def asyncapi(out: Path | None, base_url: str | None, broker: str | None) -> None:
    """Write the AsyncAPI 3.0 document of every topic (keys, headers, payloads, stages)."""
    from streams.tools.asyncapi import asyncapi_document
    from streams.cli import _settings

    settings = _settings(broker)
    bootstrap = settings.broker.removeprefix("kafka://")
    document = asyncapi_document(
        bootstrap=bootstrap, partitions=settings.partitions, replicas=settings.replication_factor, base_url=base_url
    )
    data = orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"
    if out:
        out.write_bytes(data)
        click.echo(str(out), err=True)
    else:
        sys.stdout.buffer.write(data)


@click.command()
@click.option("--topic", default=PLOVER, show_default=True, help=f"{PLOVER}, {STORIES}, or an events/enriched topic")
@click.option("--input", "source", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="read records from this JSONL file instead of the broker (offline)")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "tsv"]), default="tsv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="default: stdout")
@click.option("--timeout", type=float, default=5.0, show_default=True, help="stop after this many idle seconds")
@click.option("--limit", type=int, default=None)
@click.option("--broker", envvar="MARSAD_BROKER", default=None, help="kafka://host:port (or MARSAD_BROKER)")
def export(topic: str, source: Path | None, fmt: str, out: Path | None, timeout: float, limit: int | None,
           broker: str | None) -> None:
    """Write PLOVER events or stories as a flat TSV or JSONL file (from a topic, or a JSONL file).

    With ``--topic marsad.events.stories`` and an input of PLOVER events or articles, the
    stories are built from them offline with the stories stage's rule.
    """
    from streams.tools.export import records, stories_of, write

    if source is not None:
        lines: list[bytes] = source.read_bytes().splitlines()
    else:
        lines = asyncio.run(_read_topic(topic, timeout, limit, broker))
    sink: IO[bytes] = open(out, "wb") if out else sys.stdout.buffer  # noqa: SIM115
    try:
        items = records(lines)
        counts = write(stories_of(items) if topic == STORIES else items, sink, fmt)  # type: ignore[arg-type]
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    finally:
        if out:
            sink.close()
    click.echo(", ".join(f"{n} {kind} row(s)" for kind, n in counts.items()) + (f" to {out}" if out else ""), err=True)


async def _read_topic(topic: str, timeout: float, limit: int | None, broker: str | None) -> list[bytes]:
    from streams.cli import _settings
    from streams.io.kafka import consume

    lines = []
    async for record in consume(_settings(broker), topic, from_beginning=True, timeout=timeout, limit=limit):
        if record.value is not None:
            lines.append(record.value)
    return lines
