"""Generic names read by the article's subject (``topics.yaml``): "مذكرة التفاهم" is the
memorandum the article is about."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from streams.text.matcher import PhraseMatcher
from streams.text.matchform import fold_phrase


class _TopicalNameSpec(BaseModel):
    model_config = ConfigDict(extra="allow")  # one key per topic: its canonical name
    phrases: list[str]
    requires_all: list[str] = []


class _TopicsSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topics: dict[str, list[str]]
    names: list[_TopicalNameSpec]

    @model_validator(mode="after")
    def _readings_name_topics(self) -> _TopicsSpec:
        for name in self.names:
            unknown = set(name.model_extra or {}) - set(self.topics)
            if unknown:
                raise ValueError(f"topics.yaml: {name.phrases[0]!r} reads unknown topics {sorted(unknown)}")
        return self


@dataclass(frozen=True, slots=True)
class TopicalName:
    """A generic name's referent (canonical names) by topic, in the lexicon's topic order."""

    readings: tuple[str | None, ...]
    requires_all: tuple[str, ...] = ()


@dataclass(frozen=True)
class TopicLexicon:
    topics: tuple[str, ...]
    cues: PhraseMatcher[int]  # value: index of the topic
    names: tuple[tuple[str, TopicalName], ...]

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> TopicLexicon:
        spec = _TopicsSpec.model_validate(data)
        topics = tuple(spec.topics)
        cues = [(fold_phrase(cue), index) for index, topic in enumerate(topics) for cue in spec.topics[topic]]
        names = tuple(
            (
                fold_phrase(phrase),
                TopicalName(
                    tuple((name.model_extra or {}).get(topic) for topic in topics),
                    tuple(fold_phrase(word) for word in name.requires_all),
                ),
            )
            for name in spec.names
            for phrase in name.phrases
        )
        return cls(topics=topics, cues=PhraseMatcher(cues), names=names)

    def topic(self, sentences: Iterable[str]) -> int | None:
        """The index of the topic with most cues in the article (a tie or no cue: none)."""
        counts = [0] * len(self.topics)
        for match in self.cues.find_in_all(sentences):
            for index in set(match.values):
                counts[index] += 1
        best = max(counts, default=0)
        if best == 0 or counts.count(best) > 1:
            return None
        return counts.index(best)
