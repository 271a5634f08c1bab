"""The ``marsad`` command line: thin wrappers over the modules that do the work."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import click
import orjson
from pydantic import ValidationError

from streams.io.failures import broker_unreachable, file_problem, has_credentials, quiet_client_logs, redact
from streams.settings import Settings, describe_error, unknown_variables
from streams.io.topics import ENRICHED, RAW, consumer_group
from streams.stages.spec import COMPACTED, INTERNAL_TOPICS, STAGE_NAMES, STAGES, TOPICS

BUNDLED_SAMPLES = Path(__file__).parent / "samples"


class ConfigurationError(click.ClickException):
    """Invalid settings: one readable line, exit status 2, no traceback."""

    exit_code = 2

    def format_message(self) -> str:
        return f"invalid configuration: {self.message}"


class MarsadGroup(click.Group):
    """Every command's failures an operator can act on end as one line, secrets masked, exit 1.

    A broker that does not answer (any aiokafka error), a file that cannot be read or written
    (``OSError``): the line names the cause and the fix; other exceptions are bugs and keep
    their traceback.
    """

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except click.ClickException as error:
            error.message = redact(error.message)
            raise
        except Exception as error:
            from aiokafka.errors import KafkaError

            from streams.io.sources import SourceError

            if isinstance(error, KafkaError):
                broker = ctx.meta.get("marsad.broker") or os.environ.get("MARSAD_BROKER") or Settings.model_fields["broker"].default
                raise click.ClickException(broker_unreachable(broker, error)) from None
            if isinstance(error, SourceError):
                raise click.ClickException(redact(str(error))) from None
            if isinstance(error, OSError):
                raise click.ClickException(file_problem(error)) from None
            raise


def _settings(broker: str | None, *, for_worker: bool = False, **overrides: object) -> Settings:
    for problem in unknown_variables():
        click.echo(f"warning: {problem}", err=True)
    url = broker or os.environ.get("MARSAD_BROKER", "")
    if has_credentials(url):
        raise ConfigurationError(
            f"MARSAD_BROKER / --broker {redact(url)}: credentials do not go in the broker URL; give kafka://host:port "
            "and set MARSAD_SECURITY_PROTOCOL, MARSAD_SASL_USERNAME and MARSAD_SASL_PASSWORD"
        )
    if not for_worker:
        quiet_client_logs()
    try:
        values = {k: v for k, v in overrides.items() if v is not None}
        if broker:
            values["broker"] = broker
        settings = Settings(**values)  # type: ignore[arg-type]
    except ValidationError as error:
        raise ConfigurationError(redact(describe_error(error))) from error
    context = click.get_current_context(silent=True)
    if context is not None:
        context.meta["marsad.broker"] = settings.broker
    return settings


def _writable(path: Path | None, option: str) -> None:
    """Fail at once, in one line, when an output file cannot be written (not after the work)."""
    if path is None:
        return
    try:
        with open(path, "ab"):
            pass
    except OSError as error:
        raise click.ClickException(f"{file_problem(error, option)}; give a writable path") from None


broker_option = click.option("--broker", envvar="MARSAD_BROKER", default=None, help="kafka://host:port (or MARSAD_BROKER)")


@click.group(cls=MarsadGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="marsad")
def main() -> None:
    """Marsad: Arabic news on Libya and Turkey, normalised, linked, coded and scored on Kafka."""


@main.command()
@click.option("--port", type=int, default=9092, show_default=True)
def broker(port: int) -> None:
    """Run the embedded Kafka-protocol broker (Tansu, memory storage) in the foreground.

    SIGTERM, SIGINT (Ctrl-C) and SIGHUP are passed on to the broker, which is waited for, so
    the port is free once this command has exited.
    """
    from streams.io.broker import run_foreground
    from streams.io.ports import port_in_use

    if port_in_use(port):
        raise click.ClickException(f"port {port} is in use (another broker?): stop it or give --port N")
    click.echo(f"embedded broker on kafka://127.0.0.1:{port} (Ctrl-C stops it; data is in memory)", err=True)
    sys.exit(run_foreground(port))


@main.command()
@click.option("--stage", type=click.Choice([*STAGE_NAMES, "all"]), required=True)
@click.option("--web-port", type=int, default=None, help="health/metrics port (or MARSAD_WEB_PORT; default: per stage, see README)")
@click.option("--web-host", default=None, help="health/metrics address (or MARSAD_WEB_HOST; default 127.0.0.1)")
@broker_option
def worker(stage: str, web_port: int | None, web_host: str | None, broker: str | None) -> None:
    """Run the Faust worker of one stage (or of all of them in one process).

    Without --web-port or MARSAD_WEB_PORT each stage serves on its own port (all 6066,
    normalise 6067, entities 6068, events 6069, stance 6070, stories 6071, store 6072), and
    on a free port the system picks when that one is taken; the first line says which.
    """
    from streams.backends import BackendError
    from aiokafka.errors import KafkaError

    from streams.io.kafka import TopicMismatch
    from streams.runtime.app import ServiceWorker, create_app, declare_topics
    from streams.runtime.patches import UnsupportedVersion

    import faulthandler
    import signal

    from faust.exceptions import ImproperlyConfigured

    faulthandler.register(signal.SIGUSR1, all_threads=True)  # `kill -USR1 <pid>` prints every thread's stack
    from streams.io.ports import port_in_use, web_port_for

    explicit_port = web_port is not None or bool(os.environ.get("MARSAD_WEB_PORT"))
    settings = _settings(broker, for_worker=True, web_port=web_port, web_host=web_host)
    if settings.web_enabled:
        if explicit_port:
            if settings.web_port and port_in_use(settings.web_port, settings.web_host):
                raise ConfigurationError(
                    f"web port {settings.web_host}:{settings.web_port} is in use (another worker?): give another "
                    "--web-port / MARSAD_WEB_PORT, or neither to get a free one"
                )
            how = "as configured"
        else:
            port, how = web_port_for(stage, settings.web_host)
            settings = settings.model_copy(update={"web_port": port})
        click.echo(
            f"worker {stage}: health and metrics on http://{settings.web_host}:{settings.web_port}/healthz ({how})",
            err=True,
        )
    stages = list(STAGE_NAMES) if stage == "all" else [stage]
    try:
        app = create_app(settings, stages)
    except (ImproperlyConfigured, OSError, ValueError, BackendError, UnsupportedVersion) as error:
        raise ConfigurationError(f"{type(error).__name__}: {error}") from error
    import logging

    client_log = logging.getLogger("aiokafka")
    level = client_log.level
    client_log.setLevel(logging.CRITICAL)  # before Faust's logging: no line per failed connection attempt
    try:
        created = declare_topics(app, settings, [STAGES[name] for name in stages])
    except TopicMismatch as error:
        raise ConfigurationError(str(error)) from error
    except KafkaError as error:
        raise click.ClickException(broker_unreachable(settings.broker, error, waited=60)) from None
    finally:
        client_log.setLevel(level)
    if created:
        click.echo(f"created {len(created)} missing topic(s) with {settings.partitions} partitions: {', '.join(created)}", err=True)
    ServiceWorker(app, loglevel=settings.log_level, quiet=True, console_port=0).execute_from_commandline()


@main.group()
def topics() -> None:
    """Topic administration."""


@topics.command("create")
@click.option("--partitions", type=int, default=None, help="default: MARSAD_PARTITIONS (6)")
@click.option("--replication", type=int, default=None, help="default: MARSAD_REPLICATION_FACTOR (1)")
@click.option("--wait", type=float, default=5.0, show_default=True, help="seconds to wait for the broker to answer")
@broker_option
def topics_create(partitions: int | None, replication: int | None, wait: float, broker: str | None) -> None:
    """Create every Marsad topic that does not exist yet (idempotent)."""
    from aiokafka.errors import KafkaError

    from streams.io.kafka import create_topics, wait_for_broker

    settings = _settings(broker)

    async def run() -> list[str]:
        try:
            await wait_for_broker(settings, timeout=wait)
        except KafkaError as error:
            raise click.ClickException(
                broker_unreachable(settings.broker, error, waited=wait) + " (--wait N waits longer)"
            ) from None
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
@click.option("--follow-symlinks", is_flag=True, help="read symbolic links found in directories (default: skip and count them)")
@broker_option
def replay(
    paths: tuple[Path, ...],
    rate: float | None,
    since: str | None,
    until: str | None,
    topic: str,
    progress: bool,
    ids_out: Path | None,
    follow_symlinks: bool,
    broker: str | None,
) -> None:
    """Publish articles (.txt files, directories, JSONL of raw articles) to the raw topic.

    Each article is keyed by its id (the normaliser's stable id when it has none), so a
    replay of the same files maps to the same ids; an id seen twice is published once.
    --since/--until filter on published_at (articles without one are left out then).
    Files are read and published as a stream; a file that cannot be read is reported and
    skipped, gold annotation files are skipped, the rest go on.
    """
    from streams.io.kafka import create_topics
    from streams.io.replay import ReplayReport, iter_prepared, publish
    from streams.io.sources import ListingStats, iter_sources

    settings = _settings(broker)
    if rate is not None and rate <= 0:
        raise click.BadParameter("must be positive", param_hint="--rate")
    _writable(ids_out, "--ids-out")
    window = {"since": _parse_time(since), "until": _parse_time(until)}
    report, stats = ReplayReport(), ListingStats()

    def messages() -> Iterator[tuple[str, bytes]]:
        shown = 0
        for key, payload in iter_prepared(
            iter_sources(list(paths), follow_symlinks=follow_symlinks, stats=stats), report, keep_ids=False, **window
        ):
            for error in report.errors[shown:]:
                click.echo(f"warning: {redact(error)}", err=True)
            shown = len(report.errors)
            if ids_file is not None:
                ids_file.write(f"{key}\n")
            yield key, payload
        for error in report.errors[shown:]:
            click.echo(f"warning: {redact(error)}", err=True)

    async def run() -> None:
        # a replay before any worker or `topics create` makes its topic with MARSAD_PARTITIONS,
        # not with the broker's default: the order ops start things in does not matter
        await create_topics(settings, [topic])
        await publish(settings, stream, topic=topic, rate=rate, show_progress=progress)

    ids_file = open(ids_out, "w", encoding="utf-8") if ids_out is not None else None  # noqa: SIM115
    stream = _Counted(messages())
    try:
        asyncio.run(run())
    finally:
        if ids_file is not None:
            ids_file.close()
    click.echo(
        f"published {stream.count} article(s) to {topic}"
        f" ({report.duplicates} duplicate id(s) skipped, {report.filtered} outside the time range, {report.invalid} invalid"
        f", {report.unreadable} unreadable file(s) skipped{stats.describe()})",
        err=True,
    )
    if report.unreadable and not stream.count:
        sys.exit(1)


class _Counted:
    """An iterator that counts what passed through it."""

    def __init__(self, items: Iterator[tuple[str, bytes]]):
        self.items = items
        self.count = 0

    def __iter__(self) -> Iterator[tuple[str, bytes]]:
        for item in self.items:
            self.count += 1
            yield item


@main.command()
@click.option("--topic", default=ENRICHED, show_default=True)
@click.option("--from-beginning", is_flag=True)
@click.option("--limit", type=int, default=None)
@click.option("--timeout", type=float, default=None, help="stop after this many idle seconds")
@click.option("--out", type=click.Path(path_type=Path), default=None)
@broker_option
def tail(topic: str, from_beginning: bool, limit: int | None, timeout: float | None, out: Path | None, broker: str | None) -> None:
    """Print (or write as JSONL) the records of a topic as they arrive."""
    from streams.io.kafka import consume

    settings = _settings(broker)
    _writable(out, "--out")

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
@click.option("--out", type=click.Path(path_type=Path), required=True)
@click.option("--dlq", type=click.Path(dir_okay=False, path_type=Path), default=None, help="write rejected articles here (JSON lines: dead letters with their reason)")
@click.option("--summary", is_flag=True, help="also print a readable summary per article")
@click.option("--follow-symlinks", is_flag=True, help="read symbolic links found in directories (default: skip and count them)")
def process(paths: tuple[Path, ...], out: Path, dlq: Path | None, summary: bool, follow_symlinks: bool) -> None:
    """Run the four stages offline (no broker) and write enriched JSONL.

    A file or line that cannot be read or processed is reported (and written to --dlq with
    its reason) and the rest go on; gold annotation files (.json of the gold format) are
    skipped with a count. Exits 1 when everything was rejected.
    """
    from streams.backends import BackendError
    from streams.io.sources import ListingStats
    from streams.runtime.context import stage_context
    from streams.tools.offline import process_paths
    from streams.tools.report import summarise

    _writable(out, "--out")
    _writable(dlq, "--dlq")
    try:
        context = stage_context(_settings(None))
    except BackendError as error:
        raise ConfigurationError(str(error)) from error
    stats = ListingStats()
    written, rejected = process_paths(list(paths), out, dlq, context, follow_symlinks=follow_symlinks, stats=stats)
    if summary:
        from models import EnrichedArticle

        for line in out.read_bytes().splitlines():
            click.echo(summarise(EnrichedArticle.from_json(line)) + "\n")
    for origin, reason in rejected:
        click.echo(redact(f"rejected {origin}: {reason}"), err=True)
    click.echo(f"wrote {written} enriched record(s) to {out}; {len(rejected)} rejected{stats.describe()}", err=True)
    if rejected and not written:
        sys.exit(1)  # nothing came out: a script should notice


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
@click.option("--out", type=click.Path(path_type=Path), default=None, help="also write the enriched records as JSONL")
@click.option("--timeout", type=float, default=120.0, show_default=True)
@click.option("--dashboard", "with_dashboard", is_flag=True, help="then keep the dashboard on the results running until Ctrl-C")
@click.option("--port", type=int, default=8050, show_default=True, help="the dashboard's port (with --dashboard)")
def demo(paths: tuple[Path, ...], out: Path | None, timeout: float, with_dashboard: bool, port: int) -> None:
    """Start a broker and every stage worker, replay articles, print what comes out (--dashboard: then serve the store they fill)."""
    from streams.tools.demo import run_demo

    _writable(out, "--out")
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
@click.option("--no-stories", "no_stories", is_flag=True, help="skip the stories worker's step")
@click.option("--json", "as_json", is_flag=True)
@click.option(
    "--corpus",
    "corpus",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="a directory of .txt articles to add to the bundled samples as base texts (repeatable)",
)
def bench(articles: int, repeats: int, no_peer: bool, no_stories: bool, as_json: bool, corpus: tuple[Path, ...]) -> None:
    """Measure the stages in-process, the pipeline beside a plain Kafka loop, latency, the stories worker and memory."""
    from streams.tools.bench import run_bench

    run_bench(
        articles=articles, as_json=as_json, echo=click.echo, repeats=repeats, peer=not no_peer,
        stories=not no_stories, corpus_dirs=corpus,
    )


from streams.dashboard.commands import COMMANDS as _DASHBOARD_COMMANDS  # noqa: E402 - store, dashboard, report

for _command in _DASHBOARD_COMMANDS:
    main.add_command(_command)


from streams.tools.contract_cli import asyncapi as _asyncapi, export as _export  # noqa: E402 - the contract commands

main.add_command(_asyncapi)
main.add_command(_export)


if __name__ == "__main__":
    main()
