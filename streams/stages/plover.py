"""Events as PLOVER-style records, one per event, for event-data consumers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from models import EventsArticle, PloverEvent


def plover_events(article: EventsArticle, pipeline_version: str) -> list[PloverEvent]:
    codes = {entity.canonical: entity.code for entity in article.entities}
    date = article.published_at.date().isoformat() if article.published_at else None
    records = []
    for number, event in enumerate(article.events):
        actor = event.actors[0] if event.actors else None
        recipient = event.targets[0] if event.targets else None
        records.append(
            PloverEvent(
                id=f"{article.id}-{number}",
                article_id=article.id,
                date=date,
                actor=actor,
                actor_code=codes.get(actor) if actor else None,
                recipient=recipient,
                recipient_code=codes.get(recipient) if recipient else None,
                event=event.plover.event,
                mode=event.plover.mode,
                context=event.plover.context,
                event_loc=event.location,
                event_text=event.evidence.text,
                cite_info={
                    "article_id": article.id,
                    "title": article.title,
                    "url": article.source.url,
                    "source": article.source.name,
                    "file": article.source.file,
                    "time_text": event.time,
                    "modality": event.modality.value,
                },
                marsad_type=event.type,
                cameo=event.cameo,
                pipeline_version=pipeline_version,
            )
        )
    return records


if TYPE_CHECKING:
    from streams.stages.spec import StageContext


def run(article: EventsArticle, context: StageContext) -> list[PloverEvent]:
    """The side output as the events stage's spec runs it."""
    return plover_events(article, context.pipeline_version)
