"""One automaton pass shared by several phrase matchers: the same matches as each alone."""

from __future__ import annotations

import json

import pytest

from streams.knowledge.loader import read_knowledge
from streams.stages.pipeline import default_context, process_article
from streams.text.matcher import PhraseMatcher
from streams.text.matchform import fold, fold_phrase
from streams.text.scan import SharedScan
from streams.tools.bench import build_corpus

#: Lexicons that share phrases ("الجيش الوطني" in two), nest them ("مجلس النواب" in
#: "رئيس مجلس النواب"), take clitics and fused articles, and an open-ended stem.
LEXICONS: dict[str, tuple[tuple[str, ...], dict[str, object]]] = {
    "actors": (("الجيش الوطني", "مجلس النواب", "رئيس مجلس النواب", "حفتر", "طرابلس", "تركيا"), {}),
    "triggers": (("اجتماع", "هجوم", "عقد اجتماع", "قصف"), {"open_end": True}),
    "cues": (("الجيش الوطني", "ميليشيات", "قوات حفتر", "حفتر"), {}),
}
TEXTS = [
    fold(text).text
    for text in (
        "قال رئيس مجلس النواب إن الجيش الوطني صد هجوما على طرابلس",
        "وعقد اجتماعا مع قوات حفتر وللجيش الوطني موقف",
        "ميليشيات طرابلس قصفت المطار واجتماعات تركيا مستمرة",
        "لا شيء هنا",
        "",
        "حفتر",
    )
]


def _lexicons() -> dict[str, PhraseMatcher[str]]:
    return {
        name: PhraseMatcher([(fold_phrase(p), p) for p in phrases], **options)  # type: ignore[arg-type]
        for name, (phrases, options) in LEXICONS.items()
    }


def test_each_matcher_finds_with_the_shared_pass_what_it_finds_alone() -> None:
    alone, shared = _lexicons(), _lexicons()
    scan = SharedScan(list(shared.values()))
    for text in TEXTS:
        for name in LEXICONS:
            for nested in (False, True):
                assert shared[name].find(text, nested=nested) == alone[name].find(text, nested=nested), (name, text)
        assert shared["cues"].find_in_all(TEXTS) == [m for t in TEXTS for m in alone["cues"].find(t)]
    assert scan.active == (0, 1, 2)
    # the phrase two lexicons share is found by both, each with its own value
    (army,) = [m for m in shared["cues"].find(TEXTS[0]) if m.phrase == fold_phrase("الجيش الوطني")]
    assert army.values == ("الجيش الوطني",)
    assert any(m.phrase == army.phrase for m in shared["actors"].find(TEXTS[0]))


def test_a_matcher_joins_the_automaton_when_it_is_first_asked() -> None:
    """A worker running one stage scans with that stage's lexicons only."""
    matchers = _lexicons()
    scan = SharedScan(list(matchers.values()))
    assert scan.active == ()
    matchers["triggers"].find(TEXTS[1])
    assert scan.active == (1,)
    matchers["actors"].find(TEXTS[1])
    assert scan.active == (0, 1)
    # joining drops the hits found without the newcomer's patterns
    assert scan.kept == 1
    assert matchers["triggers"].find(TEXTS[1]) == _lexicons()["triggers"].find(TEXTS[1])


def test_the_hits_of_a_bounded_number_of_texts_are_kept() -> None:
    matchers = _lexicons()
    scan = SharedScan(list(matchers.values()), kept_texts=2)
    for text in TEXTS:
        matchers["actors"].find(text)
        assert scan.kept <= 2
    # a text whose hits were dropped is scanned again, to the same matches
    assert matchers["actors"].find(TEXTS[0]) == _lexicons()["actors"].find(TEXTS[0])
    with pytest.raises(ValueError, match="at least one text"):
        SharedScan([], kept_texts=0)


def test_the_knowledge_shares_one_pass_and_the_pipeline_gives_the_same_records_without_it() -> None:
    """Every stage over articles whose sentences are all different: the records with the
    shared pass equal those of each lexicon scanning on its own."""
    knowledge = read_knowledge()  # not the cached one: detached below
    context = default_context(knowledge=knowledge)
    articles = build_corpus(12)

    def records() -> list[str]:
        return [
            json.dumps(process_article(article, context).model_dump(mode="json", exclude={"processed_at"}))
            for article in articles
        ]

    shared = records()
    assert knowledge.scan.active == tuple(range(6))  # actors, triggers, modality, stance, voice, topics
    knowledge.scan.detach()
    assert records() == shared
