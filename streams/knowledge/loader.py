"""Load and validate every knowledge file once per process."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib.resources.abc import Traversable
from typing import Any

from pydantic import ValidationError

from streams.knowledge.actors import Actor, ActorIndex, merge_extensions
from streams.knowledge.chrome import ChromePatterns
from streams.knowledge.entity_words import EntityWords
from streams.knowledge.files import fingerprint, knowledge_root, load_yaml
from streams.knowledge.lexicons import StanceLexicon, TriggerLexicon
from streams.knowledge.topics import TopicLexicon
from streams.knowledge.voice import VoiceLexicon
from streams.text.scan import SharedScan


class KnowledgeError(ValueError):
    """A knowledge file is malformed; the message names the file and entry."""


@dataclass(frozen=True)
class Knowledge:
    actors: ActorIndex
    triggers: TriggerLexicon
    stance: StanceLexicon
    chrome: ChromePatterns
    #: Hash of every file under the knowledge directory (see ``files.fingerprint``): the
    #: gazetteer's inputs and any file added later are covered without listing them here.
    fingerprint: str
    entity_words: EntityWords
    voice: VoiceLexicon
    topics: TopicLexicon
    #: One automaton pass per sentence for every lexicon the stages read sentences with.
    scan: SharedScan


def _read(root: Traversable, name: str) -> Any:
    return load_yaml(root.joinpath(name).read_bytes())


@lru_cache(maxsize=4)
def load_knowledge(root: Traversable | None = None) -> Knowledge:
    """The knowledge, read once per process (see :func:`read_knowledge`).

    ``root``: another copy of the knowledge directory (tests); default the package's.
    """
    return read_knowledge(root)


def read_knowledge(root: Traversable | None = None) -> Knowledge:
    """Read, validate and index the knowledge files: a copy of its own, with matchers and a
    shared scan no other part of the process uses (a benchmark of one stage; tests)."""
    root = root or knowledge_root()
    actors: list[Actor] = []
    entries: list[tuple[str, int, dict[str, Any]]] = []
    actor_dir = root.joinpath("actors")
    for path in sorted((p for p in actor_dir.iterdir() if p.name.endswith(".yaml")), key=lambda p: p.name):
        entries += [(path.name, position, entry) for position, entry in enumerate(load_yaml(path.read_bytes()) or [])]
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
    stance_data = _read(root, "stance.yaml")
    try:
        voice = VoiceLexicon.from_data(_read(root, "voice.yaml"))
        topics = TopicLexicon.from_data(_read(root, "topics.yaml"))
        index = ActorIndex(actors, voice.names, topics.names)
        triggers = TriggerLexicon.from_data(_read(root, "triggers.yaml"))
        # the calibration is fitted by `marsad calibrate-stance`
        stance = StanceLexicon.from_data(stance_data, _read(root, stance_data["calibration"]))
        return Knowledge(
            actors=index,
            triggers=triggers,
            stance=stance,
            chrome=ChromePatterns.from_data(_read(root, "chrome.yaml")),
            fingerprint=fingerprint(root),
            entity_words=EntityWords.from_data(_read(root, "entities.yaml"), _read(root, "person_names.yaml")),
            voice=voice,
            topics=topics,
            scan=SharedScan(
                (index.matcher, triggers.matcher, triggers.modality, stance.matcher, voice.cues, topics.cues)
            ),
        )
    except (ValidationError, ValueError) as error:
        raise KnowledgeError(str(error)) from error
