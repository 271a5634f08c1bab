"""Human-readable summaries of enriched records (for ``marsad demo`` and ``process``)."""

from __future__ import annotations

from models import EnrichedArticle


def summarise(record: EnrichedArticle, *, max_entities: int = 40) -> str:
    heading = record.title or record.text.strip().splitlines()[0][:90]
    origin = record.source.file or record.source.url or record.source.name or ""
    lines = [f"■ {record.id}  {origin}", f"  {heading}"]
    entities = record.entities[:max_entities]
    lines.append(f"  entities ({len(record.entities)}):")
    for entity in entities:
        camp = f" [{entity.camp}]" if entity.camp else ""
        link = "" if entity.linked else " (unlinked)"
        forms = " / ".join(dict.fromkeys(m.text for m in entity.mentions))
        lines.append(f"    {entity.type:<4} {entity.canonical}{camp}{link}: {forms}")
    lines.append(f"  events ({len(record.events)}):")
    for event in record.events:
        where = f" in {event.location}" if event.location else ""
        when = f" ({event.time})" if event.time else ""
        targets = ", ".join(event.targets) or "-"
        lines.append(
            f"    {event.type.value:<24} {', '.join(event.actors)} → {targets}{where}{when}"
            f" [{event.modality.value}, CAMEO {event.cameo or '-'}, PLOVER {event.plover.event}]"
        )
    stance = record.stance
    lines.append(f"  stance toward the Haftar camp: {stance.label} ({stance.score:+.2f})")
    for cue in stance.evidence[:6]:
        lines.append(f"    {cue.weight:+.2f} {cue.cue:<10} «{cue.text}»")
    return "\n".join(lines)
