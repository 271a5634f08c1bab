"""A word regex that skips texts without its words finds what the regex alone finds."""

from __future__ import annotations

import re

from streams.text.wordpattern import WordPattern

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

