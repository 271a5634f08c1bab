"""The hand-written scans of ``streams.text`` agree with the regular expressions they replace."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from streams.text.script import detect_language
from streams.text.tokens import word_before

#: What ``word_before`` computed before it became a backward scan.
_LAST_WORD_RE = re.compile(r"(\w+)\W*$")

# Arabic letters, a tatweel and a diacritic, digits of three scripts, a superscript,
# underscore, Latin, punctuation and white space: every class the scans tell apart.
_CHARS = st.sampled_from(list("ابتوفلكةىءـَ019٣۴²½_aZ ,.،«»\"-\n\t"))


def _regex_word_before(text: str, position: int, window: int) -> str:
    match = _LAST_WORD_RE.search(text, max(0, position - window), position)
    return match.group(1) if match else ""


@settings(max_examples=400, deadline=None)
@given(st.lists(_CHARS, max_size=60).map("".join), st.integers(-2, 64), st.sampled_from([0, 1, 5, 30]))
def test_word_before_is_the_last_word_the_regex_finds(text: str, position: int, window: int) -> None:
    assert word_before(text, position, window) == _regex_word_before(text, position, window)


def test_word_before_skips_punctuation_and_stops_at_the_window() -> None:
    text = "قال الوزير، ثم"
    assert word_before(text, text.index("ثم")) == "الوزير"
    assert word_before(text, text.index("ثم"), window=4) == "ير"
    assert word_before("  ،", 3) == ""


_LETTER = re.compile(r"[^\W\d_]+")
_ARABIC = re.compile(r"[\u0621-\u063a\u0641-\u064a\u0671-\u06d3\u06fa-\u06ff]+")
_PERSIAN = re.compile(r"[پچژگکیٹڈںے]")


def _regex_language(text: str) -> str:
    """The counting ``detect_language`` did before: every class counted over the whole sample."""
    text = text[:4000]
    letters = len("".join(_LETTER.findall(text)))
    if letters < 20:
        return "und"
    arabic = len("".join(_ARABIC.findall(text)))
    if arabic / letters < 0.5:
        return "other"
    return "fa" if len(_PERSIAN.findall(text)) > 0.02 * arabic else "ar"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("ابتثجحخدذرسشصیکگپ۽۾abcxyz 019٣,.\n")), max_size=80).map("".join))
def test_detect_language_decides_as_counting_over_the_whole_sample(text: str) -> None:
    assert detect_language(text) == _regex_language(text)


_OLD_END_RE = re.compile(r"(?:[.!?؟…]+)[\"”’»)\]]*(?=\s)|\n")


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(list("اب x.!?؟…\n\"”’»)] \t")), max_size=40).map("".join))
def test_sentence_ends_are_those_of_the_plain_pattern(text: str) -> None:
    from streams.text.sentences import _END_RE

    assert [m.span() for m in _END_RE.finditer(text)] == [m.span() for m in _OLD_END_RE.finditer(text)]


_DROP_CHARS = st.sampled_from(list("ab اَـ,") + ["\u200f", "\u00ad", "\u0653", "  "])


@settings(max_examples=400, deadline=None)
@given(st.lists(_DROP_CHARS, max_size=30).map("".join))
def test_fold_skips_the_drop_pass_only_when_it_would_find_nothing(text: str) -> None:
    from streams.text.matchform import _DROP_RE, _drop

    folded = _drop(text)
    if _DROP_RE.search(text) is None:
        assert (folded.text, folded.shifts) == (text, ())
    else:
        assert folded.shifts
