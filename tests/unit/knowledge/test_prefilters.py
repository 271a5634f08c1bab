"""The cheap tests that skip a regex over a sentence never skip one the regex matches.

The time expressions (``TriggerLexicon.time_re``, a ``WordPattern``) and the personal
titles (``EntityWords.title_first_words``) are checked before their regex runs; the
results must be the regex's own, on real sentences and on sentences made of their words.
"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from models import RawArticle
from streams.knowledge import load_knowledge
from streams.knowledge.entity_words import EntityWords
from streams.knowledge.files import load_yaml
from streams.stages.pipeline import default_context
from streams.stages.spec import main_line
from streams.text.matchform import fold_phrase

SAMPLES = Path(__file__).resolve().parents[3] / "streams" / "samples"
KNOWLEDGE = load_knowledge()
TIME = KNOWLEDGE.triggers.time_re
WORDS = KNOWLEDGE.entity_words
_TOKENS = re.compile(r"\w+")


def _sample_sentences() -> list[str]:
    context = default_context()
    norms = []
    for path in sorted(SAMPLES.glob("*.txt")):
        record = RawArticle(text=path.read_text("utf-8"), source={"file": path.name})
        for spec in main_line()[:1]:
            record = spec.run(record, context)
        norms += [sentence.norm for sentence in record.sentences]
    return norms


def _spans(matches: object) -> list[tuple[int, int]]:
    return [match.span() for match in matches]  # type: ignore[attr-defined]


def _titled(norm: str) -> bool:
    return WORDS.may_hold_title(_TOKENS.findall(norm))


def test_on_real_sentences_the_prefilters_skip_only_what_the_regex_does_not_match() -> None:
    sentences = _sample_sentences()
    assert len(sentences) > 50
    assert sum(bool(_spans(TIME.pattern.finditer(n))) for n in sentences) > 0
    for norm in sentences:
        assert _spans(TIME.finditer(norm)) == _spans(TIME.pattern.finditer(norm)), norm
        if not _titled(norm):
            assert not WORDS.title_re.search(norm), norm
    assert WORDS.title_first_words is not None
    assert sum(not _titled(n) for n in sentences) > len(sentences) // 3  # the test does skip


def test_every_kind_of_time_expression_passes_the_time_prefilter() -> None:
    for text in (
        "وقع ذلك في 12 مارس 2020 .",
        "اجتمعا يوم الخميس الماضي في انقره",
        "والخميس المقبل يصل الوفد",
        "منذ عام 2019 والوضع هادء",
        "في العام 2019",
        "بين 3 و 5 يناير",
        "اعلن امس ان",
        "خلال كانون الثاني 2021",
        "في 4-6 حزيران",
    ):
        text = fold_phrase(text)
        found = _spans(TIME.pattern.finditer(text))
        assert found, text
        assert _spans(TIME.finditer(text)) == found, text


_TIME_WORDS = sorted(TIME.words) + ["2020", "12", "و", "-", "في", "يوم", "الماضي", "المقبل", "خلال", "مطلع"]
_TITLE_WORDS = sorted({word for title in WORDS.titles for word in title.split()}) + ["و", "ال", "قال", "محمد"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_TIME_WORDS), min_size=1, max_size=8), st.sampled_from([" ", "، ", "و", ""]))
def test_sentences_of_time_words_give_the_regex_own_matches(words: list[str], glue: str) -> None:
    text = glue.join(words)
    assert _spans(TIME.finditer(text)) == _spans(TIME.pattern.finditer(text))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_TITLE_WORDS), min_size=1, max_size=8), st.sampled_from([" ", "، ", "و", "ال", ""]))
def test_a_sentence_the_title_test_skips_holds_no_title(words: list[str], glue: str) -> None:
    text = glue.join(words)
    if not _titled(text):
        assert not WORDS.title_re.search(text)


def test_a_title_that_is_not_plain_words_turns_the_title_test_off() -> None:
    root = Path(__file__).resolve().parents[3] / "streams" / "knowledge"
    entities = load_yaml((root / "entities.yaml").read_bytes())
    entities["titles"] = [*entities["titles"], "د."]
    words = EntityWords.from_data(entities, load_yaml((root / "person_names.yaml").read_bytes()))
    assert words.title_first_words is None
    assert WORDS.title_first_words is not None and "د." not in WORDS.titles
