"""Load and validate every knowledge file once per process."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

from pydantic import ValidationError

from streams.knowledge.files import load_yaml
from streams.knowledge.actors import Actor, ActorIndex, merge_extensions
from streams.knowledge.entity_words import EntityWords
from streams.knowledge.topics import TopicLexicon
from streams.knowledge.voice import VoiceLexicon
from streams.knowledge.lexicons import StanceLexicon, TriggerLexicon


class KnowledgeError(ValueError):
    """A knowledge file is malformed; the message names the file and entry."""


@dataclass(frozen=True)
class Knowledge:
    actors: ActorIndex
    triggers: TriggerLexicon
    stance: StanceLexicon
    fingerprint: str
    entity_words: EntityWords
    voice: VoiceLexicon
    topics: TopicLexicon


def _read(name: str) -> tuple[Any, bytes]:
    data = files("streams.knowledge").joinpath(name).read_bytes()
    return load_yaml(data), data


@lru_cache(maxsize=1)
def load_knowledge() -> Knowledge:
    """Read, validate and index the knowledge files (cached: built once per process)."""
    digest = hashlib.sha256()
    actors: list[Actor] = []
    entries: list[tuple[str, int, dict[str, Any]]] = []
    actor_dir = files("streams.knowledge").joinpath("actors")
    for path in sorted((p for p in actor_dir.iterdir() if p.name.endswith(".yaml")), key=lambda p: p.name):
        raw = path.read_bytes()
        digest.update(raw)
        entries += [(path.name, position, entry) for position, entry in enumerate(load_yaml(raw) or [])]
    where = {id(entry): (name, position) for name, position, entry in entries}
    try:
        merged = merge_extensions([entry for _, _, entry in entries])
    except ValueError as error:
        raise KnowledgeError(f"actors: {error}") from error
    for entry in merged:
        try:
            actors.append(Actor.model_validate(entry))
        except ValidationError as error:
            name, position = where.get(id(entry), ("?", -1))
            raise KnowledgeError(f"actors/{name} entry {position}: {error}") from error
    triggers_data, raw = _read("triggers.yaml")
    digest.update(raw)
    stance_data, raw = _read("stance.yaml")
    digest.update(raw)
    stance_calibration, raw = _read(stance_data["calibration"])  # fitted by `marsad calibrate-stance`
    digest.update(raw)
    entity_data, raw = _read("entities.yaml")
    digest.update(raw)
    person_names, raw = _read("person_names.yaml")
    digest.update(raw)
    digest.update(_read("geo_sources.yaml")[1])  # the gazetteer's input: part of what was built
    voice_data, raw = _read("voice.yaml")
    digest.update(raw)
    topics_data, raw = _read("topics.yaml")
    digest.update(raw)
    try:
        voice = VoiceLexicon.from_data(voice_data)
        topics = TopicLexicon.from_data(topics_data)
        return Knowledge(
            actors=ActorIndex(actors, voice.names, topics.names),
            triggers=TriggerLexicon.from_data(triggers_data),
            stance=StanceLexicon.from_data(stance_data, stance_calibration),
            fingerprint=digest.hexdigest()[:8],
            entity_words=EntityWords.from_data(entity_data, person_names),
            voice=voice,
            topics=topics,
        )
    except (ValidationError, ValueError) as error:
        raise KnowledgeError(str(error)) from error
