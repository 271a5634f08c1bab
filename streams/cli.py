"""The ``marsad`` command line: thin wrappers over the modules that do the work."""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import datetime
from pathlib import Path

import click
import orjson
from pydantic import ValidationError

from streams.settings import Settings, describe_error, unknown_variables
from streams.io.topics import ENRICHED, RAW, consumer_group
from streams.stages.spec import COMPACTED, INTERNAL_TOPICS, STAGE_NAMES, STAGES, TOPICS

BUNDLED_SAMPLES = Path(__file__).parent / "samples"


class ConfigurationError(click.ClickException):
    """Invalid settings: one readable line, exit status 2, no traceback."""

    exit_code = 2

    def format_message(self) -> str:
        return f"invalid configuration: {self.message}"


def _settings(broker: str | None, **overrides: object) -> Settings:
    for problem in unknown_variables():
        click.echo(f"warning: {problem}", err=True)
    try:
        values = {k: v for k, v in overrides.items() if v is not None}
        if broker:
            values["broker"] = broker
        return Settings(**values)  # type: ignore[arg-type]
    except ValidationError as error:
        raise ConfigurationError(describe_error(error)) from error


broker_option = click.option("--broker", envvar="MARSAD_BROKER", default=None, help="kafka://host:port (or MARSAD_BROKER)")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="marsad")
def main() -> None:
    """Marsad: Arabic news on Libya and Turkey, normalised, linked, coded and scored on Kafka."""


@main.command()
@click.option("--port", type=int, default=9092, show_default=True)
def broker(port: int) -> None:
    """Run the embedded Kafka-protocol broker (Tansu, memory storage) in the foreground."""
    import subprocess

    from streams.io.broker import broker_command

    click.echo(f"embedded broker on kafka://127.0.0.1:{port} (Ctrl-C stops it; data is in memory)", err=True)
    try:
        sys.exit(subprocess.call(broker_command(port)))
    except KeyboardInterrupt:
        sys.exit(0)


@main.command()
@click.option("--stage", type=click.Choice([*STAGE_NAMES, "all"]), required=True)
@broker_option
def worker(stage: str, broker: str | None) -> None:
    """Run the Faust worker of one stage (or of all of them in one process)."""
    from streams.backends import BackendError
    from aiokafka.errors import KafkaError

    from streams.io.kafka import TopicMismatch
    from streams.runtime.app import ServiceWorker, create_app, declare_topics
    from streams.runtime.patches import UnsupportedVersion

    import faulthandler
    import signal

    from faust.exceptions import ImproperlyConfigured

    faulthandler.register(signal.SIGUSR1, all_threads=True)  # `kill -USR1 <pid>` prints every thread's stack
    settings = _settings(broker)
    stages = list(STAGE_NAMES) if stage == "all" else [stage]
    try:
        app = create_app(settings, stages)
    except (ImproperlyConfigured, OSError, ValueError, BackendError, UnsupportedVersion) as error:
        raise ConfigurationError(f"{type(error).__name__}: {error}") from error
    try:
        created = declare_topics(app, settings, [STAGES[name] for name in stages])
    except TopicMismatch as error:
        raise ConfigurationError(str(error)) from error
    except KafkaError as error:
        raise click.ClickException(f"broker {settings.broker} unreachable ({type(error).__name__}); is it running?") from error
    if created:
        click.echo(f"created {len(created)} missing topic(s) with {settings.partitions} partitions: {', '.join(created)}", err=True)
    ServiceWorker(app, loglevel=settings.log_level, quiet=True, console_port=0).execute_from_commandline()


@main.group()
def topics() -> None:
    """Topic administration."""


@topics.command("create")
@click.option("--partitions", type=int, default=None, help="default: MARSAD_PARTITIONS (6)")
@click.option("--replication", type=int, default=None, help="default: MARSAD_REPLICATION_FACTOR (1)")
@broker_option
def topics_create(partitions: int | None, replication: int | None, broker: str | None) -> None:
    """Create every Marsad topic that does not exist yet (idempotent)."""
    from streams.io.kafka import create_topics, wait_for_broker

    settings = _settings(broker)

    async def run() -> list[str]:
        await wait_for_broker(settings)
        return await create_topics(settings, (*TOPICS, *INTERNAL_TOPICS), partitions, replication, compacted=COMPACTED)

    created = asyncio.run(run())
    click.echo(f"created {len(created)} topic(s): {', '.join(created) or '-'}; all present: {', '.join((*TOPICS, *INTERNAL_TOPICS))}")


def _parse_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter(f"{value!r} is not an ISO date or time") from error
    return parsed if parsed.tzinfo else parsed.astimezone()


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--rate", type=float, default=None, help="articles per second (default: as fast as possible)")
@click.option("--since", default=None, help="only articles published at or after this ISO time")
@click.option("--until", default=None, help="only articles published before this ISO time")
@click.option("--topic", default=RAW, show_default=True)
@click.option("--progress/--no-progress", default=True, show_default=True, help="report progress on stderr")
@click.option("--ids-out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="write the published ids here, one a line")
@broker_option
def replay(
    paths: tuple[Path, ...],
    rate: float | None,
    since: str | None,
    until: str | None,
    topic: str,
    progress: bool,
    ids_out: Path | None,
    broker: str | None,
) -> None:
    """Publish articles (.txt files, directories, JSONL of raw articles) to the raw topic.

    Each article is keyed by its id (the normaliser's stable id when it has none), so a
    replay of the same files maps to the same ids; an id seen twice is published once.
    --since/--until filter on published_at (articles without one are left out then).
    """
    from streams.io.replay import prepare, publish
    from streams.io.sources import SourceError, iter_sources

    settings = _settings(broker)
    if rate is not None and rate <= 0:
        raise click.BadParameter("must be positive", param_hint="--rate")
    try:
        messages, report = prepare(iter_sources(list(paths)), since=_parse_time(since), until=_parse_time(until))
    except SourceError as error:
        raise click.ClickException(str(error)) from error
    for error in report.errors:
        click.echo(f"warning: {error}", err=True)
    if ids_out is not None:
        ids_out.write_text("".join(f"{key}\n" for key in report.ids), "utf-8")
    from streams.io.kafka import create_topics

    async def run() -> None:
        # a replay before any worker or `topics create` makes its topic with MARSAD_PARTITIONS,
        # not with the broker's default: the order ops start things in does not matter
        await create_topics(settings, [topic])
        await publish(settings, messages, topic=topic, rate=rate, show_progress=progress)

    asyncio.run(run())
    click.echo(
        f"published {len(messages)} article(s) to {topic}"
        f" ({report.duplicates} duplicate id(s) skipped, {report.filtered} outside the time range, {report.invalid} invalid)",
        err=True,
    )


@main.command()
@click.option("--topic", default=ENRICHED, show_default=True)
@click.option("--from-beginning", is_flag=True)
@click.option("--limit", type=int, default=None)
@click.option("--timeout", type=float, default=None, help="stop after this many idle seconds")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
@broker_option
def tail(topic: str, from_beginning: bool, limit: int | None, timeout: float | None, out: Path | None, broker: str | None) -> None:
    """Print (or write as JSONL) the records of a topic as they arrive."""
    from streams.io.kafka import consume

    settings = _settings(broker)

    async def run() -> int:
        count = 0
        sink = open(out, "wb") if out else None  # noqa: SIM115
        try:
            async for record in consume(settings, topic, from_beginning=from_beginning, timeout=timeout, limit=limit):
                line = record.value if record.value is not None else b"null"
                if sink:
                    sink.write(line + b"\n")
                else:
                    sys.stdout.buffer.write(line + b"\n")
                    sys.stdout.flush()
                count += 1
        finally:
            if sink:
                sink.close()
        return count

    count = asyncio.run(run())
    click.echo(f"{count} record(s) from {topic}", err=True)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--dlq", type=click.Path(dir_okay=False, path_type=Path), default=None, help="write rejected articles here")
@click.option("--summary", is_flag=True, help="also print a readable summary per article")
def process(paths: tuple[Path, ...], out: Path, dlq: Path | None, summary: bool) -> None:
    """Run the four stages offline (no broker) and write enriched JSONL."""
    from streams.backends import BackendError
    from streams.runtime.context import stage_context
    from streams.tools.offline import process_paths
    from streams.tools.report import summarise

    try:
        context = stage_context(_settings(None))
    except BackendError as error:
        raise ConfigurationError(str(error)) from error
    written, rejected = process_paths(list(paths), out, dlq, context)
    if summary:
        from models import EnrichedArticle

        for line in out.read_bytes().splitlines():
            click.echo(summarise(EnrichedArticle.from_json(line)) + "\n")
    for origin, reason in rejected:
        click.echo(f"rejected {origin}: {reason}", err=True)
    click.echo(f"wrote {written} enriched record(s) to {out}; {len(rejected)} rejected", err=True)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--gold", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True)
@click.option(
    "--json", "as_json", is_flag=True,
    help="print everything (totals, per-type, per-article, stance confusion, error lists) as one JSON document",
)
@click.option("--verbose", "-v", "--errors", "verbose", is_flag=True, help="list missed and spurious entities and events")
def evaluate(paths: tuple[Path, ...], gold: Path, as_json: bool, verbose: bool) -> None:
    """Score enriched JSONL (or articles, processed offline first) against gold annotations."""
    from streams.tools.evaluation import evaluate as run_evaluation
    from streams.tools.evaluation import format_table, load_gold, to_json
    from streams.tools.offline import enriched_records

    try:
        result, scores = run_evaluation(enriched_records(list(paths)), load_gold(gold))
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    if as_json:
        click.echo(orjson.dumps(to_json(result, scores), option=orjson.OPT_INDENT_2))
    else:
        click.echo(format_table(result, scores, verbose))


@main.command("calibrate-stance")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--gold", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True)
@click.option("--folds", type=int, default=10, show_default=True, help="k of stratified k-fold; -1 leave-one-out; 0 none")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--repeats", type=int, default=5, show_default=True, help="k-fold repeated with seeds seed..seed+repeats-1, pooled")
@click.option("--write", is_flag=True, help="write the fit to streams/knowledge/stance_calibration.yaml")
@click.option("--verbose", "-v", is_flag=True, help="list every article: gold, in-sample and out-of-fold label and score")
def calibrate_stance(
    paths: tuple[Path, ...], gold: Path, folds: int, seed: int, repeats: int, write: bool, verbose: bool
) -> None:
    """Fit the stance family factors, headline and relay factors and neutral band; report CV figures."""
    from streams.tools.stance_calibration import run

    try:
        click.echo(run(list(paths), gold, folds=None if folds < 0 else folds, seed=seed, write=write, repeats=repeats, verbose=verbose))
    except ValueError as error:
        raise click.ClickException(str(error)) from error


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("schemas"), show_default=True)
@click.option("--base-url", default=None, help="give the schemas $id URLs under this base (default: URNs)")
def schema(out: Path, base_url: str | None) -> None:
    """Write the JSON Schema of every topic's record."""
    from models.schema import write_schemas

    for path in write_schemas(out, base_url):
        click.echo(str(path))


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="also write the enriched records as JSONL")
@click.option("--timeout", type=float, default=120.0, show_default=True)
@click.option("--dashboard", "with_dashboard", is_flag=True, help="then keep the dashboard on the results running until Ctrl-C")
@click.option("--port", type=int, default=8050, show_default=True, help="the dashboard's port (with --dashboard)")
def demo(paths: tuple[Path, ...], out: Path | None, timeout: float, with_dashboard: bool, port: int) -> None:
    """Start a broker and every stage worker, replay articles, print what comes out (--dashboard: then serve the store they fill)."""
    from streams.tools.demo import run_demo

    code = run_demo(
        list(paths) or [BUNDLED_SAMPLES], out=out, timeout=timeout, echo=click.echo,
        dashboard_port=port if with_dashboard else None,
    )
    sys.exit(code)


@main.command()
@click.option("--stage", type=click.Choice(STAGE_NAMES), required=True)
@click.option("--from-beginning", is_flag=True)
@click.option("--from-timestamp", default=None, help="ISO time or epoch milliseconds")
@click.option("--wait", type=float, default=15.0, show_default=True, help="seconds to wait for the group to empty")
@broker_option
def reprocess(stage: str, from_beginning: bool, from_timestamp: str | None, wait: float, broker: str | None) -> None:
    """Move a stage's consumer group back so its stopped workers re-run history on restart.

    Stop the stage's workers first. Records the stage re-runs carry the pipeline version
    of the restarted workers; intermediate topics get them again, the consumer-facing
    topics (enriched, events.plover) only under a version not published before (set
    MARSAD_PIPELINE_TAG, or change the lexicon).
    """
    from streams.io.kafka import GroupActive, move_group_offsets

    if from_beginning == (from_timestamp is not None):
        raise click.UsageError("give exactly one of --from-beginning and --from-timestamp")
    timestamp_ms = None
    if from_timestamp is not None:
        if from_timestamp.isdigit():
            timestamp_ms = int(from_timestamp)
        else:
            parsed = _parse_time(from_timestamp)
            assert parsed is not None
            timestamp_ms = int(parsed.timestamp() * 1000)
    settings = _settings(broker)
    group = consumer_group(stage)
    try:
        offsets = asyncio.run(
            move_group_offsets(settings, group, STAGES[stage].source, timestamp_ms=timestamp_ms, wait=wait)
        )
    except GroupActive as error:
        raise click.ClickException(str(error)) from error
    moved = ", ".join(f"p{p}→{o}" for p, o in sorted(offsets.items()))
    click.echo(f"group {group} on {STAGES[stage].source}: {moved}. Restart the {stage} workers to re-run.")
    if STAGES[stage].gated_topics:
        click.echo(
            "note: under the same pipeline version the publish-once gate republishes nothing to the "
            "consumer-facing topics; start the workers with a new MARSAD_PIPELINE_TAG to publish anew.",
            err=True,
        )


@main.command()
@click.option("--articles", type=int, default=200, show_default=True, help="articles per batch")
@click.option("--repeats", type=int, default=5, show_default=True, help="batches per measurement (medians)")
@click.option("--no-peer", "no_peer", is_flag=True, help="skip the confluent-kafka reference pipeline")
@click.option("--json", "as_json", is_flag=True)
@click.option(
    "--corpus",
    "corpus",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="a directory of .txt articles to add to the bundled samples as base texts (repeatable)",
)
def bench(articles: int, repeats: int, no_peer: bool, as_json: bool, corpus: tuple[Path, ...]) -> None:
    """Measure the stages in-process, the pipeline beside a plain Kafka loop, latency and memory."""
    from streams.tools.bench import run_bench

    run_bench(
        articles=articles, as_json=as_json, echo=click.echo, repeats=repeats, peer=not no_peer, corpus_dirs=corpus
    )


from streams.dashboard.commands import COMMANDS as _DASHBOARD_COMMANDS  # noqa: E402 - store, dashboard, report

for _command in _DASHBOARD_COMMANDS:
    main.add_command(_command)


from streams.tools.contract_cli import asyncapi as _asyncapi, export as _export  # noqa: E402 - the contract commands

main.add_command(_asyncapi)
main.add_command(_export)


if __name__ == "__main__":
    main()
