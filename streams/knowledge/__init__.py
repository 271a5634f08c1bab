"""The project's curated knowledge: actors, event triggers, stance cues, page chrome.

Data lives in YAML files beside this module; :func:`load_knowledge` validates and indexes
it once per process. Its ``fingerprint`` enters ``pipeline_version`` so that records made
with another lexicon can be told apart.
"""

from streams.knowledge.actors import Actor, AliasKind, ActorIndex
from streams.knowledge.loader import Knowledge, load_knowledge

__all__ = ["Actor", "ActorIndex", "AliasKind", "Knowledge", "load_knowledge"]
