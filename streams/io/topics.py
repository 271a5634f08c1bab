"""Topic names, the message headers and consumer groups: declared once.

Which stage reads and writes which topic is declared in the stage specs
(:mod:`streams.stages.spec`), which also list every topic the pipeline uses.
"""

from __future__ import annotations

RAW = "marsad.articles.raw"
NORMALISED = "marsad.articles.normalised"
ENTITIES = "marsad.articles.entities"
EVENTS = "marsad.articles.events"
ENRICHED = "marsad.articles.enriched"
DLQ = "marsad.articles.dlq"
PLOVER = "marsad.events.plover"
#: Stories: keyed by story id, compacted (the latest state of each story is kept).
STORIES = "marsad.events.stories"
#: Internal to the stories stage: PLOVER events re-keyed by their PLOVER category.
PLOVER_BY_CATEGORY = "marsad.events.plover.by-category"

HEADER_SCHEMA = "marsad-schema-version"
HEADER_PIPELINE = "marsad-pipeline-version"
HEADER_STAGE = "marsad-stage"
HEADER_RECORD = "marsad-record"
#: The content hash of the article version a record was derived from (see ``models.article``).
HEADER_REVISION = "marsad-content-hash"


def consumer_group(stage: str) -> str:
    """The consumer group (Faust app id) of a stage's workers."""
    return f"marsad-{stage}"
