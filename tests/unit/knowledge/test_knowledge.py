"""The curated knowledge base: it loads, it is consistent, it covers the gold annotations."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import orjson
import pytest

from models.annotations import EventType
from streams.knowledge import Knowledge, load_knowledge
from streams.knowledge.actors import Actor, ActorIndex
from streams.text.matchform import fold_phrase

ARABIC = re.compile(r"[\u0621-\u064a]")
ALLOWED_CAMPS = {"haftar", "gnu", "turkey", "russia", None}


def _arabic_aliases(actor: Actor) -> list[str]:
    forms = actor.names + actor.short + actor.given + actor.roles + actor.demonyms + actor.metonyms + actor.contextual
    return [form for form in forms if ARABIC.search(form)]


def test_loads_once_per_process(knowledge: Knowledge) -> None:
    assert load_knowledge() is knowledge
    assert re.fullmatch(r"[0-9a-f]{8}", knowledge.fingerprint)


def test_has_at_least_300_actors(knowledge: Knowledge) -> None:
    assert len(knowledge.actors) >= 300
    assert len(knowledge.actors.matcher) > len(knowledge.actors)  # several aliases per actor


def test_canonical_names_are_unique_ascii(knowledge: Knowledge) -> None:
    names = [actor.canonical for actor in knowledge.actors.actors]
    assert len(names) == len(set(names))
    for name in names:
        assert name.isascii() and name == name.strip() and name, name
    assert set(names) == set(knowledge.actors.by_canonical)


def test_every_actor_has_an_arabic_alias(knowledge: Knowledge) -> None:
    missing = [actor.canonical for actor in knowledge.actors.actors if not _arabic_aliases(actor)]
    assert missing == []


def test_camps_and_types_come_from_the_allowed_sets(knowledge: Knowledge) -> None:
    for actor in knowledge.actors.actors:
        assert actor.camp in ALLOWED_CAMPS, actor.canonical
        assert actor.type in {"PER", "ORG", "LOC", "MISC"}, actor.canonical


def test_the_haftar_family_is_in_the_haftar_camp(knowledge: Knowledge) -> None:
    by_name = knowledge.actors.by_canonical
    for name in ("Khalifa Haftar", "Saddam Haftar", "Khalid Haftar", "Belgassem Haftar"):
        actor = knowledge.actors.actors[by_name[name]]
        assert actor.camp == "haftar"
        assert fold_phrase("حفتر") in {fold_phrase(s) for s in actor.short}
    preferred = [a.canonical for a in knowledge.actors.actors if a.prefer and fold_phrase("حفتر") in map(fold_phrase, a.short)]
    assert preferred == ["Khalifa Haftar"]


def test_each_role_phrase_and_full_name_belongs_to_one_actor(knowledge: Knowledge) -> None:
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)
    for actor in knowledge.actors.actors:
        for form in actor.roles:
            owners[("role", fold_phrase(form))].add(actor.canonical)
        for form in actor.names:
            owners[("name", fold_phrase(form))].add(actor.canonical)
    shared = {key: found for key, found in owners.items() if len(found) > 1}
    assert shared == {}


def test_every_gold_entity_is_in_the_knowledge_base(knowledge: Knowledge, gold_dir: Path) -> None:
    missing = []
    for path in sorted(gold_dir.glob("*.json")):
        for entity in orjson.loads(path.read_bytes())["entities"]:
            if entity["canonical"] not in knowledge.actors.by_canonical:
                missing.append(f"{path.name}: {entity['canonical']}")
    assert missing == []


def test_gold_entity_types_and_camps_agree_with_the_knowledge_base(knowledge: Knowledge, gold_dir: Path) -> None:
    disagreements = []
    for path in sorted(gold_dir.glob("*.json")):
        for entity in orjson.loads(path.read_bytes())["entities"]:
            index = knowledge.actors.by_canonical.get(entity["canonical"])
            if index is None:
                continue
            actor = knowledge.actors.actors[index]
            if actor.camp != entity["camp"]:
                disagreements.append(f"{entity['canonical']}: camp {actor.camp} vs gold {entity['camp']}")
    assert disagreements == []


def test_trigger_lexicon_covers_the_event_types(knowledge: Knowledge) -> None:
    matcher = knowledge.triggers.matcher
    covered = {trigger.type for values in matcher._values.values() for trigger in values}
    assert covered >= set(EventType) - {EventType.OTHER}
    for values in matcher._values.values():
        for trigger in values:
            assert trigger.plover_event
            assert trigger.cameo == "" or re.fullmatch(r"\d{3,4}", trigger.cameo), trigger


def test_stance_lexicon_weights_and_settings(knowledge: Knowledge) -> None:
    stance = knowledge.stance
    assert 0 < stance.neutral_band < 1 and stance.squash > 0
    weights = [cue.weight for values in stance.matcher._values.values() for cue in values]
    assert all(-1 <= w <= 1 for w in weights)
    assert any(w > 0 for w in weights) and any(w < 0 for w in weights)
    assert fold_phrase("قال") in stance.quote_openers


def test_duplicate_canonical_names_are_refused() -> None:
    actor = Actor(canonical="Benghazi", type="LOC", names=["بنغازي"])
    with pytest.raises(ValueError, match="duplicate canonical"):
        ActorIndex([actor, actor])


def test_non_ascii_canonical_names_are_refused() -> None:
    with pytest.raises(ValueError):
        Actor(canonical="Yaşar Güler", type="PER", names=["يشار غولر"])
