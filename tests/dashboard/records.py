"""Enriched records for the dashboard tests, written for them (offsets computed, not typed)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from models import EnrichedArticle

MEETING_TEXT = (
    "التقى المشير خليفة حفتر في بنغازي وزير الدفاع التركي لبحث التعاون العسكري بين الجانبين.\n"
    "وأشاد البيان بالجيش الوطني الليبي ودوره في حماية الحدود الجنوبية."
)
CLASH_TEXT = (
    "تجددت الاشتباكات في طرابلس بين قوة الردع واللواء 444 قتال صباح اليوم.\n"
    "ووصف بيان حكومة الوحدة الوطنية ما جرى بأنه خرق خطير للهدنة."
)


def _span(text: str, surface: str, after: int = 0) -> dict[str, Any]:
    start = text.index(surface, after)
    return {"text": surface, "start": start, "end": start + len(surface)}


def _sentence(text: str, number: int) -> dict[str, Any]:
    lines = text.split("\n")
    start = sum(len(line) + 1 for line in lines[:number])
    return {"text": lines[number], "start": start, "end": start + len(lines[number])}


def article(
    article_id: str,
    *,
    text: str = MEETING_TEXT,
    outlet: str = "Outlet One",
    published: str | None = "2026-03-02T09:00:00+00:00",
    score: float = 0.4,
    version: str = "0.1.0+kb.test",
    processed: str = "2026-03-02T10:00:00+00:00",
) -> EnrichedArticle:
    """A meeting article (default) or a clash article (``text=CLASH_TEXT``) as the stages would enrich it."""
    if text == MEETING_TEXT:
        entities = [
            ("Khalifa Haftar", "PER", "haftar", ["خليفة حفتر"]),
            ("Turkey", "LOC", "turkey", ["التركي"]),
            ("Benghazi", "LOC", None, ["بنغازي"]),
            ("Libyan National Army", "ORG", "haftar", ["الجيش الوطني الليبي"]),
        ]
        events = [("MEETING", ["Khalifa Haftar"], ["Turkey"], 0, "Benghazi")]
        cues = [("وأشاد", "framing", 0.3)]
    else:
        entities = [
            ("Tripoli", "LOC", None, ["طرابلس"]),
            ("Special Deterrence Force", "ORG", "gnu", ["قوة الردع"]),
            ("444 Brigade", "ORG", "gnu", ["اللواء 444"]),
            ("Government of National Unity", "ORG", "gnu", ["حكومة الوحدة الوطنية"]),
        ]
        events = [("ARMED_CLASH", ["Special Deterrence Force", "444 Brigade"], [], 0, "Tripoli")]
        cues = [("خرق خطير", "framing", -0.2)]
    label = "supportive" if score > 0.25 else "critical" if score < -0.25 else "neutral"
    data = {
        "id": article_id,
        "title": text.split("\n")[0][:40],
        "text": text,
        "clean_text": text,
        "source": {"name": outlet, "url": None, "file": None},
        "published_at": published,
        "language": "ar",
        "content_hash": article_id,
        "sentences": [],
        "entities": [
            {"canonical": name, "type": kind, "camp": camp, "mentions": [_span(text, form) for form in forms]}
            for name, kind, camp, forms in entities
        ],
        "events": [
            {
                "type": kind,
                "cameo": "040",
                "plover": {"event": "CONSULT"},
                "actors": actors,
                "targets": targets,
                "location": place,
                "modality": "asserted",
                "trigger": "",
                "evidence": _sentence(text, line),
            }
            for kind, actors, targets, line, place in events
        ],
        "stance": {
            "label": label,
            "score": score,
            "evidence": [{**_span(text, surface), "cue": cue, "weight": weight} for surface, cue, weight in cues],
        },
        "pipeline_version": version,
        "processed_at": processed or datetime.now(UTC).isoformat(),
    }
    return EnrichedArticle.model_validate(data)


def story(story_id: str, *, sources: int, articles: int, last_seen: str, type_: str = "CONSULT") -> dict[str, Any]:
    """A story as the stories stage publishes it on ``marsad.events.stories``, as plain JSON."""
    article_ids = [f"a{number}" for number in range(1, articles + 1)]
    return {
        "id": story_id,
        "type": type_,
        "marsad_types": ["MEETING"],
        "participants": [{"name": "Khalifa Haftar", "camp": "haftar", "events": 1}, {"name": "Turkey", "camp": "turkey", "events": 1}],
        "location": {"resolved_place": "Benghazi"},
        "first_seen": "2026-03-01T08:00:00+00:00",
        "last_seen": last_seen,
        "event_date": {"start": "2026-03-01", "end": last_seen[:10]},
        "num_events": articles,
        "num_articles": articles,
        "num_sources": sources,
        "sources": [f"Outlet {number}" for number in range(1, sources + 1)],
        "articles": article_ids,
        "events": [f"{article_id}-0" for article_id in article_ids],
        "evidence": {"text": MEETING_TEXT.split("\n")[0], "article_id": "a1", "event_id": "a1-0"},
    }
