"""A word regex tried only next to its words finds what the regex alone finds."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from streams.text.wordpattern import WordPattern, limits

WORDS = frozenset({"قال", "اكد"})
PATTERN = re.compile(r"(?<!\w)[وف]?(?:قال|اكد)(?!\w)")
TEXTS = ["وقال الوزير ان", "اكد المتحدث وقال", "مقالة عن الاقتصاد", "لا شيء هنا", ""]


def _span(match: re.Match[str] | None) -> tuple[int, int] | None:
    return match.span() if match else None


def test_the_same_matches_as_the_regex() -> None:
    words = WordPattern(WORDS, PATTERN)
    for text in TEXTS:
        assert [m.span() for m in words.finditer(text)] == [m.span() for m in PATTERN.finditer(text)]
        assert _span(words.search(text)) == _span(PATTERN.search(text))
        assert _span(words.search(text, 3, 9)) == _span(PATTERN.search(text, 3, 9))
    assert _span(words.search(TEXTS[1])) == (0, 3)


def test_a_word_inside_another_is_a_substring_but_no_match() -> None:
    words = WordPattern(WORDS, PATTERN)
    assert words.search("مقالة") is None and list(words.finditer("مقالة")) == []



# Words that hold one another (عام in العام), a clitic-taking pattern, a bounded pattern with
# digits after the word, an unbounded one, and one that reads the end of the text.
_HOLDING = frozenset({"عام", "العام", "سنه"})
_PATTERNS = [
    (WORDS, PATTERN),
    (_HOLDING, re.compile(r"(?<!\w)(?:(?:منذ|حتى) )?(?:عام|سنه|العام) \d{4}(?!\w)")),
    (_HOLDING, re.compile(r"(?<!\w)(?:العام|عام)(?: (?:الماضي|المقبل))?(?!\w)")),
    (_HOLDING, re.compile(r"(?<!\w)(?:عام|سنه)\w*")),
    (WORDS, re.compile(r"(?:قال|اكد)$")),
    (WORDS, re.compile(r"(?<=و)(?:قال|اكد)\b")),
]
_FRAGMENTS = ["قال", "اكد", "عام", "العام", "سنه", "منذ", "حتى", "الماضي", "المقبل", "2019", "7",
              "و", "ف", "م", " ", "\n", "ـ", "."]


@given(
    case=st.sampled_from(range(len(_PATTERNS))),
    parts=st.lists(st.sampled_from(_FRAGMENTS), max_size=24),
    bounds=st.tuples(st.integers(0, 80), st.integers(0, 80)),
)
def test_windowed_search_finds_what_a_scan_of_the_whole_text_finds(
    case: int, parts: list[str], bounds: tuple[int, int]
) -> None:
    words, pattern = _PATTERNS[case]
    text = "".join(parts)
    windowed = WordPattern(words, pattern)
    assert [m.span() for m in windowed.finditer(text)] == [m.span() for m in pattern.finditer(text)]
    assert _span(windowed.search(text)) == _span(pattern.search(text))
    pos, endpos = min(bounds), max(bounds)
    assert _span(windowed.search(text, pos, endpos)) == _span(pattern.search(text, pos, endpos))


def test_the_limits_of_a_pattern() -> None:
    assert limits(PATTERN) == (4, 4 + 1 + 2)  # و + a three-letter word; (?!\w) reads one more
    assert limits(re.compile(r"عام \d{4}")) == (8, 10)
    assert limits(re.compile(r"عام\w*")) is None
    assert limits(re.compile(r"عام(?=\w+)")) is None
