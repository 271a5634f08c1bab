"""What the page draws, as plain JSON-ready dicts computed from the store.

Each view is one SQL query (or a few) over the newest version of every article
(``current_articles``); the server and the static report call the same functions, so
the live page and the file sent around show the same thing.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb
import orjson

#: At most this many outlets are drawn as lines (the most prolific); the rest are counted.
MAX_OUTLETS = 15
#: Events the static report carries (the newest; the page filters and counts them itself).
MAX_REPORT_EVENTS = 3000
#: Nodes of the actor network (the most mentioned among those with an interaction).
MAX_NODES = 50
#: Event types that relate two parties: the edges of the actor network.
INTERACTIONS = (
    "VISIT", "MEETING", "AGREEMENT", "MILITARY_COOPERATION", "TRAINING_EXERCISE", "ARMS_DEAL",
    "MARITIME_BOUNDARY", "ECONOMIC_RECONSTRUCTION", "ARMED_CLASH", "DIPLOMATIC_RELATIONS",
)
CAMPS = ("haftar", "gnu", "turkey", "russia")

_CURRENT_EVENTS = " FROM cur_events e "


def _prepare(connection: duckdb.DuckDBPyConnection) -> None:
    """The newest version of every article and its events, once per connection (temporary tables).

    A read-only connection never sees a write while it is open (the writer cannot open the
    file meanwhile), so the tables stay true for the connection's life: one request.
    """
    connection.execute("CREATE TEMP TABLE IF NOT EXISTS cur_articles AS SELECT * FROM main.current_articles")
    connection.execute(
        """CREATE TEMP TABLE IF NOT EXISTS cur_events AS
           SELECT e.article_id, e.pipeline_version, e.idx, e.type, e.actors, e.targets, e.camps, e.location,
                  e.modality, coalesce(p.date, a.day) AS d, a.outlet
           FROM main.events e
           JOIN cur_articles a ON a.id = e.article_id AND a.pipeline_version = e.pipeline_version
           LEFT JOIN main.plover p
             ON p.id = e.article_id || '-' || CAST(e.idx AS VARCHAR) AND p.pipeline_version = e.pipeline_version"""
    )


@dataclass(frozen=True, slots=True)
class EventFilter:
    """The timeline's filters; empty fields filter nothing."""

    actor: str | None = None
    camp: str | None = None
    type: str | None = None
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_query(cls, query: Any) -> EventFilter:
        def day(name: str) -> date | None:
            value = (query.get(name) or "").strip()
            try:
                return date.fromisoformat(value[:10]) if value else None
            except ValueError:
                return None

        def text(name: str) -> str | None:
            value = (query.get(name) or "").strip()
            return value or None

        return cls(actor=text("actor"), camp=text("camp"), type=text("type"), since=day("since"), until=day("until"))

    def sql(self) -> tuple[str, list[Any]]:
        clauses, params = [], []
        if self.actor:
            clauses.append("(list_contains(e.actors, ?) OR list_contains(e.targets, ?))")
            params += [self.actor, self.actor]
        if self.camp:
            clauses.append("list_contains(e.camps, ?)")
            params.append(self.camp)
        if self.type:
            clauses.append("e.type = ?")
            params.append(self.type)
        if self.since:
            clauses.append("e.d >= ?")
            params.append(self.since)
        if self.until:
            clauses.append("e.d <= ?")
            params.append(self.until)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def summary(connection: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Counts for the header, and the store's revision (bumped by every write)."""
    _prepare(connection)
    articles, outlets, first, last = connection.execute(
        "SELECT count(*), count(DISTINCT outlet), min(day), max(day) FROM cur_articles"
    ).fetchone()
    events = connection.execute(f"SELECT count(*) {_CURRENT_EVENTS}").fetchone()[0]
    stories = connection.execute("SELECT count(*) FROM current_stories").fetchone()[0]
    revision = connection.execute("SELECT revision FROM meta").fetchone()
    return {
        "articles": articles,
        "outlets": outlets,
        "events": events,
        "stories": stories,
        "first_day": _iso(first),
        "last_day": _iso(last),
        "revision": revision[0] if revision else 0,
    }


def _bucket(connection: duckdb.DuckDBPyConnection) -> str:
    """Points per day, or per week when the store spans more than 120 days (keeps charts and answers small)."""
    span = connection.execute("SELECT max(day) - min(day) FROM cur_articles").fetchone()[0]
    return "week" if span is not None and span > 120 else "day"


def stance_series(connection: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Mean stance toward the Haftar camp per outlet and day (week over long spans), with counts."""
    _prepare(connection)
    bucket = _bucket(connection)
    rows = connection.execute(
        f"""WITH ranked AS (
                SELECT outlet, count(*) AS total FROM cur_articles GROUP BY outlet
                ORDER BY total DESC, outlet LIMIT {MAX_OUTLETS})
            SELECT a.outlet, r.total, CAST(date_trunc('{bucket}', a.day) AS DATE) AS d, avg(a.stance_score), count(*),
                   count(*) FILTER (WHERE a.stance_label = 'supportive'),
                   count(*) FILTER (WHERE a.stance_label = 'critical')
            FROM cur_articles a JOIN ranked r USING (outlet)
            WHERE a.day IS NOT NULL
            GROUP BY a.outlet, r.total, d ORDER BY r.total DESC, a.outlet, d"""
    ).fetchall()
    series: dict[str, dict[str, list[Any]]] = {}
    for outlet, _total, day, mean, count, supportive, critical in rows:
        line = series.setdefault(outlet, {"x": [], "y": [], "n": [], "supportive": [], "critical": []})
        line["x"].append(day.isoformat())
        line["y"].append(round(mean, 3))
        line["n"].append(count)
        line["supportive"].append(supportive)
        line["critical"].append(critical)
    total_outlets = connection.execute("SELECT count(DISTINCT outlet) FROM cur_articles").fetchone()[0]
    return {
        "bucket": bucket,
        "outlets": [{"outlet": name, **values} for name, values in series.items()],
        "hidden_outlets": max(0, total_outlets - len(series)),
    }


def events(connection: duckdb.DuckDBPyConnection, where: EventFilter | None = None, *, rows: int = 200) -> dict[str, Any]:
    """Timeline points (events per day and type, over every match), the newest ``rows`` events, filter options."""
    _prepare(connection)
    clause, params = (where or EventFilter()).sql()
    bucket = _bucket(connection)
    points = connection.execute(
        f"""SELECT CAST(date_trunc('{bucket}', e.d) AS DATE) AS period, e.type, count(*),
                   list(array_to_string(e.actors, ', ') || ' → ' || array_to_string(e.targets, ', '))[1:3]
            {_CURRENT_EVENTS} {clause}
            GROUP BY period, e.type HAVING period IS NOT NULL ORDER BY e.type, period""",
        params,
    ).fetchall()
    newest = connection.execute(
        f"""WITH newest AS (
                SELECT e.article_id, e.pipeline_version, e.idx, e.d, e.type, e.actors, e.targets, e.camps,
                       e.location, e.modality, e.outlet
                {_CURRENT_EVENTS} {clause}
                ORDER BY e.d DESC NULLS LAST, e.article_id, e.idx LIMIT {int(rows)})
            SELECT n.article_id, n.idx, n.d, n.type, n.actors, n.targets, n.camps, n.location, n.modality,
                   left(x.evidence, 240), n.outlet
            FROM newest n JOIN main.events x USING (article_id, pipeline_version, idx)
            ORDER BY n.d DESC NULLS LAST, n.article_id, n.idx""",
        params,
    ).fetchall()
    keys = ("article_id", "idx", "date", "type", "actors", "targets", "camps", "location", "modality", "evidence", "outlet")
    actors = connection.execute(
        f"""SELECT name, count(*) AS n FROM (
                SELECT unnest(list_concat(e.actors, e.targets)) AS name {_CURRENT_EVENTS})
            GROUP BY name ORDER BY n DESC, name LIMIT 400"""
    ).fetchall()
    types = connection.execute(f"SELECT DISTINCT e.type {_CURRENT_EVENTS} ORDER BY 1").fetchall()
    return {
        "bucket": bucket,
        "points": [{"date": _iso(day), "type": kind, "n": count, "sample": sample} for day, kind, count, sample in points],
        "events": [{key: _iso(value) for key, value in zip(keys, row, strict=True)} for row in newest],
        "matched": sum(point[2] for point in points),
        "actors": [name for name, _ in actors],
        "types": [kind for (kind,) in types],
        "camps": list(CAMPS),
    }


def network(connection: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Who met, signed or fought with whom: nodes sized by mentions, coloured by camp."""
    _prepare(connection)
    interactions = ", ".join(f"'{kind}'" for kind in INTERACTIONS)
    edges = connection.execute(  # unnest in the select list: far faster in DuckDB than lateral unnest
        f"""WITH ev AS (SELECT e.actors, e.targets, e.type {_CURRENT_EVENTS} WHERE e.type IN ({interactions})),
            by_actor AS (SELECT unnest(actors) AS one, actors, targets, type FROM ev),
            pairs AS (SELECT one, unnest(targets) AS two, type, false AS co FROM by_actor
                      UNION ALL
                      SELECT one, unnest(actors) AS two, type, true AS co FROM by_actor)
            SELECT least(one, two) AS a, greatest(one, two) AS b, type, count(*) AS n
            FROM pairs WHERE one <> two AND (NOT co OR one < two) GROUP BY a, b, type"""
    ).fetchall()
    weights: dict[tuple[str, str], dict[str, int]] = {}
    for one, two, kind, count in edges:
        weights.setdefault((one, two), {})[kind] = count
    names = {name for pair in weights for name in pair}
    mentions = connection.execute(
        """SELECT n.canonical, sum(n.mentions) AS m, mode(n.camp) AS camp, mode(n.type) AS type, count(*) AS articles
           FROM entities n JOIN cur_articles a ON a.id = n.article_id AND a.pipeline_version = n.pipeline_version
           GROUP BY n.canonical"""
    ).fetchall()
    known = {name: (m, camp, kind, count) for name, m, camp, kind, count in mentions if name in names}
    chosen = sorted(known, key=lambda name: (-known[name][0], name))[:MAX_NODES]
    keep = set(chosen)
    links = [
        {"a": one, "b": two, "n": sum(kinds.values()), "types": kinds}
        for (one, two), kinds in sorted(weights.items())
        if one in keep and two in keep
    ]
    positions = spring_layout(chosen, [(link["a"], link["b"], link["n"]) for link in links])
    nodes = [
        {
            "name": name,
            "mentions": known[name][0],
            "camp": known[name][1],
            "type": known[name][2],
            "articles": known[name][3],
            "x": round(positions[name][0], 4),
            "y": round(positions[name][1], 4),
        }
        for name in chosen
    ]
    return {"nodes": nodes, "links": links}


def spring_layout(names: list[str], links: list[tuple[str, str, int]], iterations: int = 120) -> dict[str, tuple[float, float]]:
    """A deterministic Fruchterman-Reingold layout in the unit square (no random start)."""
    count = len(names)
    if count == 0:
        return {}
    position = {
        name: [math.cos(2 * math.pi * i / count), math.sin(2 * math.pi * i / count)] for i, name in enumerate(names)
    }
    if count == 1:
        return {names[0]: (0.0, 0.0)}
    k = math.sqrt(4.0 / count)
    temperature = 0.2
    heaviest = max((weight for _, _, weight in links), default=1)
    for _ in range(iterations):
        move = {name: [0.0, 0.0] for name in names}
        for i, one in enumerate(names):
            p = position[one]
            for two in names[i + 1 :]:
                q = position[two]
                dx, dy = p[0] - q[0], p[1] - q[1]
                distance = max(math.hypot(dx, dy), 1e-3)
                force = k * k / distance
                move[one][0] += dx / distance * force
                move[one][1] += dy / distance * force
                move[two][0] -= dx / distance * force
                move[two][1] -= dy / distance * force
        for one, two, weight in links:
            p, q = position[one], position[two]
            dx, dy = p[0] - q[0], p[1] - q[1]
            distance = max(math.hypot(dx, dy), 1e-3)
            force = distance * distance / k * (1 + weight / heaviest)
            move[one][0] -= dx / distance * force
            move[one][1] -= dy / distance * force
            move[two][0] += dx / distance * force
            move[two][1] += dy / distance * force
        for name in names:  # gravity keeps disconnected parts close instead of flung apart
            move[name][0] -= position[name][0] * k * 0.6
            move[name][1] -= position[name][1] * k * 0.6
        for name in names:
            dx, dy = move[name]
            length = max(math.hypot(dx, dy), 1e-9)
            step = min(length, temperature)
            position[name][0] += dx / length * step
            position[name][1] += dy / length * step
        temperature *= 0.97
    return {name: (x, y) for name, (x, y) in position.items()}


def stories(connection: duckdb.DuckDBPyConnection, limit: int = 100) -> dict[str, Any]:
    """Stories newest first, with their number of sources and articles."""
    _prepare(connection)
    rows = connection.execute(
        f"""SELECT id, type, participants, location, num_articles, num_sources, first_seen, last_seen, record
            FROM current_stories ORDER BY last_seen DESC NULLS LAST, stored_at DESC LIMIT {int(limit)}"""
    ).fetchall()
    result = []
    for story_id, kind, participants, location, articles, sources, first, last, record in rows:
        data = orjson.loads(record)
        evidence = data.get("evidence") or data.get("earliest_evidence") or {}
        if isinstance(evidence, str):
            evidence = {"text": evidence}
        result.append(
            {
                "id": story_id,
                "type": kind,
                "participants": participants,
                "location": location,
                "num_articles": articles,
                "num_sources": sources,
                "first_seen": _iso(first),
                "last_seen": _iso(last),
                "evidence": evidence.get("text") if isinstance(evidence, dict) else None,
                "article_id": (evidence.get("article_id") if isinstance(evidence, dict) else None) or data.get("article_id"),
            }
        )
    return {"stories": result}


def articles(connection: duckdb.DuckDBPyConnection, limit: int = 60) -> dict[str, Any]:
    """The newest articles, for the list the article view is opened from."""
    _prepare(connection)
    rows = connection.execute(
        f"""WITH newest AS (
                SELECT id, pipeline_version, title, outlet, day, stance_label, stance_score, n_events,
                       coalesce(published_at, processed_at) AS t, stored_at
                FROM cur_articles ORDER BY t DESC, stored_at DESC, id LIMIT {int(limit)})
            SELECT n.id, coalesce(n.title, left(json_extract_string(a.record, '$.text'), 90)), n.outlet, n.day,
                   n.stance_label, n.stance_score, n.n_events
            FROM newest n JOIN articles a USING (id, pipeline_version)
            ORDER BY n.t DESC, n.stored_at DESC, n.id"""
    ).fetchall()
    keys = ("id", "title", "outlet", "day", "label", "score", "events")
    return {"articles": [{key: _iso(value) for key, value in zip(keys, row, strict=True)} for row in rows]}


def article(connection: duckdb.DuckDBPyConnection, article_id: str) -> dict[str, Any] | None:
    """One article's original text with its mentions, event evidence and stance cues as nested spans."""
    row = connection.execute(  # the newest version of one article (the same order as current_articles)
        """SELECT record, outlet, day FROM articles WHERE id = ?
           ORDER BY processed_at DESC, stored_at DESC, pipeline_version DESC LIMIT 1""",
        [article_id],
    ).fetchone()
    if row is None:
        return None
    record = orjson.loads(row[0])
    return article_view(record, outlet=row[1], day=_iso(row[2]))


def article_view(record: dict[str, Any], *, outlet: str | None = None, day: str | None = None) -> dict[str, Any]:
    """The article view from an enriched record (a dict): text tree plus the lists beside it."""
    text: str = record["text"]
    spans: list[Span] = []
    entities = []
    for entity in record.get("entities", []):
        info = {"entity": entity["canonical"], "camp": entity.get("camp"), "type": entity.get("type")}
        for mention in entity.get("mentions", []):
            spans.append(Span(mention["start"], mention["end"], "mention", info))
        entities.append({**info, "mentions": len(entity.get("mentions", [])), "linked": entity.get("linked", True)})
    event_list = []
    for number, event in enumerate(record.get("events", [])):
        info = {
            "event": number,
            "type": event["type"],
            "actors": event.get("actors", []),
            "targets": event.get("targets", []),
            "modality": event.get("modality"),
            "location": event.get("location"),
        }
        evidence = event["evidence"]
        spans.append(Span(evidence["start"], evidence["end"], "evidence", info))
        event_list.append({**info, "trigger": event.get("trigger"), "evidence": evidence["text"]})
    stance = record.get("stance", {})
    cues = []
    for cue in stance.get("evidence", []):
        info = {"cue": cue["cue"], "weight": cue["weight"]}
        spans.append(Span(cue["start"], cue["end"], "cue", info))
        cues.append({**info, "text": cue["text"], "start": cue["start"], "end": cue["end"]})
    return {
        "id": record["id"],
        "title": record.get("title"),
        "outlet": outlet,
        "day": day,
        "published_at": record.get("published_at"),
        "url": (record.get("source") or {}).get("url"),
        "file": (record.get("source") or {}).get("file"),
        "pipeline_version": record.get("pipeline_version"),
        "stance": {"label": stance.get("label"), "score": stance.get("score")},
        "tree": highlight(text, spans),
        "entities": entities,
        "events": event_list,
        "cues": cues,
    }


@dataclass(frozen=True, slots=True)
class Span:
    """A highlighted stretch of the text; ``info`` is what the page shows about it."""

    start: int
    end: int
    kind: str
    info: dict[str, Any]


#: When spans cover the same stretch, the outer one first: evidence holds cues, cues hold mentions.
_RANK = {"evidence": 0, "cue": 1, "mention": 2}


def highlight(text: str, spans: list[Span]) -> list[Any]:
    """The text as a tree of strings and ``{"k", "s", "e", "d", "c"}`` nodes, spans nested.

    A span that crosses the end of the one it starts in is cut there and continues as a
    second piece (``"part": true``), so every stretch of text appears exactly once and the
    page renders the tree as nested elements.
    """
    size = len(text)
    root: dict[str, Any] = {"s": 0, "e": size, "c": []}
    queue: list[tuple[int, int, int, int, Span, bool]] = []
    for order, span in enumerate(spans):
        start, end = max(0, span.start), min(size, span.end)
        if start < end:
            heapq.heappush(queue, (start, -end, _RANK.get(span.kind, 3), order, span, False))
    stack = [root]
    while queue:
        start, negative_end, rank, order, span, part = heapq.heappop(queue)
        end = -negative_end
        while stack[-1]["e"] <= start:
            stack.pop()
        parent = stack[-1]
        if end > parent["e"]:
            heapq.heappush(queue, (parent["e"], -end, rank, order, span, True))
            end = parent["e"]
        node = {"k": span.kind, "s": start, "e": end, "d": span.info, "c": []}
        if part or end != span.end:
            node["part"] = True
        parent["c"].append(node)
        stack.append(node)
    return _fill(text, root)


def _fill(text: str, node: dict[str, Any]) -> list[Any]:
    """Children of ``node`` with the uncovered text between them as plain strings."""
    out: list[Any] = []
    position = node["s"]
    for child in node["c"]:
        if child["s"] > position:
            out.append(text[position : child["s"]])
        child["c"] = _fill(text, child)
        out.append(child)
        position = child["e"]
    if position < node["e"]:
        out.append(text[position : node["e"]])
    return out


def page_data(connection: duckdb.DuckDBPyConnection, where: EventFilter | None = None) -> dict[str, Any]:
    """Everything the page draws in one answer (one round trip per refresh)."""
    return {
        "summary": summary(connection),
        "stance": stance_series(connection),
        "timeline": events(connection, where),
        "network": network(connection),
        "stories": stories(connection)["stories"],
        "articles": articles(connection)["articles"],
    }
