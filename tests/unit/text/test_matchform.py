"""The matching form: folding rules, and the offset map back to the original text."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from streams.text.matchform import fold, fold_phrase, span_to_original, to_original

PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Characters news text is made of, and the awkward ones folding has to deal with.
NEWS_CHARS = (
    list("ابتثجحخدذرزسشصضطظعغفقكلمنهوي")
    + list("أإآٱىةؤئءی")
    + ["\u064b", "\u064e", "\u064f", "\u0650", "\u0651", "\u0652", "\u0670", "\u0640"]  # diacritics, tatweel
    + ["\ufefb", "\ufef7", "\ufef5"]  # lam-alef ligatures
    + list("İıŞşĞğÜüÖöÇçÂâ")
    + [chr(0x0660 + d) for d in range(10)]
    + [chr(0x06F0 + d) for d in range(10)]
    + ["\u00a0", "\u200b", "\u200c", "\u200f", "\ufeff", "\u00ad"]
    + [" ", "\n", "\t", "“", "”", "«", "»", "‘", "’", ".", "،", "؛", "؟", "-", "—", ":", "\""]
    + list("abcXYZ0123")
    + ["é", "e\u0301"]
)
news_text = st.lists(st.sampled_from(NEWS_CHARS), max_size=60).map("".join)
any_text = st.one_of(st.text(), news_text)

WORD = re.compile(r"\w+")


def _nfkc_single(char: str) -> bool:
    """True when a character folds to word characters only (no expansion into spaces or marks)."""
    expanded = unicodedata.normalize("NFKC", char)
    return len(expanded) <= 1 or all(c.isalnum() for c in expanded)


# --------------------------------------------------------------------------- properties


@PROPERTY
@given(any_text)
def test_fold_never_crashes_and_returns_text(text: str) -> None:
    folded = fold(text)
    assert isinstance(folded.text, str)
    assert all(isinstance(i, int) and isinstance(d, int) for i, d in folded.shifts)


@PROPERTY
@given(any_text)
@example("الحنّة ـ أنقرة")
@example("ﻻ إله")
def test_fold_is_idempotent(text: str) -> None:
    once = fold(text).text
    assert fold(once).text == once


@PROPERTY
@given(any_text)
def test_every_folded_index_maps_inside_the_original_monotonically(text: str) -> None:
    folded = fold(text)
    previous = -1
    for index in range(len(folded.text)):
        original = folded.original_offset(index)
        assert 0 <= original < len(text)
        assert original >= previous
        previous = original


@PROPERTY
@given(news_text)
@example("وزير الدفاع التركي يشار غولر")
@example("الحنّة والحنة")
@example("ﻻ بد من ٢٠١٩")
@example("Yaşar Güler İlkay")
def test_a_folded_word_maps_back_to_a_slice_that_folds_to_it(text: str) -> None:
    folded = fold(text)
    for word in WORD.finditer(folded.text):
        start, end = folded.original_span(*word.span())
        assert 0 <= start < end <= len(text)
        assert fold(text[start:end]).text == word.group(), (text, word.group(), text[start:end])


@PROPERTY
@given(st.text())
def test_a_folded_word_maps_back_to_a_slice_that_contains_it_for_any_unicode(text: str) -> None:
    # Over arbitrary Unicode a single character may expand into several words (ﷺ): the
    # original slice is then that character, and its folding contains the word.
    folded = fold(text)
    for word in WORD.finditer(folded.text):
        start, end = folded.original_span(*word.span())
        assert 0 <= start < end <= len(text)
        refolded = fold(text[start:end]).text
        assert word.group() in refolded
        if all(_nfkc_single(c) for c in text[start:end]):
            assert refolded == word.group()


@PROPERTY
@given(news_text)
def test_fold_phrase_is_the_trimmed_folding(text: str) -> None:
    assert fold_phrase(text) == fold(text).text.strip()


# --------------------------------------------------------------------------- the rules


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("أحمد", "احمد"),
        ("إبراهيم", "ابراهيم"),
        ("آمر", "امر"),
        ("ٱلله", "الله"),
        ("مدرسة", "مدرسه"),  # teh marbuta
        ("مصطفى", "مصطفي"),  # alef maqsura
        ("الحنّة", "الحنه"),  # shadda dropped, teh marbuta folded
        ("مُحَمَّدٌ", "محمد"),  # harakat and tanwin
        ("طـــرابلس", "طرابلس"),  # tatweel
        ("٢٠١٩", "2019"),
        ("۲۰۲۵", "2025"),
        ("“قال” «نعم»", '"قال" "نعم"'),
        ("Güler", "guler"),
        ("Yaşar", "yasar"),
        ("İlkay Altındağ", "ilkay altindag"),
        ("KALIN", "kalin"),
        ("\ufefb", "لا"),  # lam-alef ligature
        ("سأل، أجاب؛ لماذا؟", "سال, اجاب; لماذا?"),
    ],
)
def test_fold_rules(original: str, expected: str) -> None:
    assert fold(original).text == expected


def test_diacritics_do_not_distinguish_spellings() -> None:
    assert fold("الحنّة").text == fold("الحنة").text
    assert fold("صدّام حفتر").text == fold("صدام حفتر").text


def test_spaces_collapse_and_invisible_characters_vanish() -> None:
    assert fold("حفتر\u00a0\u00a0في   بنغازي").text == "حفتر في بنغازي"
    assert fold("أنقرة\u200b\u200f").text == "انقره"
    assert fold("سطر\nثان\tثالث").text == "سطر ثان ثالث"


def test_shifts_map_a_match_after_dropped_marks_back_exactly() -> None:
    text = "التقى صدّامٌ حفتر بالوزير في أنقرة"
    folded = fold(text)
    at = folded.text.index("انقره")
    start, end = folded.original_span(at, at + len("انقره"))
    assert text[start:end] == "أنقرة"
    assert span_to_original(folded.shifts, at, at + 5) == (start, end)


def test_shifts_through_a_ligature() -> None:
    text = "قال \ufefb شيء في طرابلس"
    folded = fold(text)
    assert "لا شيء" in folded.text
    at = folded.text.index("طرابلس")
    start, end = folded.original_span(at, at + len("طرابلس"))
    assert text[start:end] == "طرابلس"


def test_to_original_without_shifts_is_identity() -> None:
    assert to_original((), 7) == 7
    assert fold("بنغازي").shifts == ()


def test_fold_collapses_spaces_around_a_dropped_mark() -> None:
    once = fold("طرابلس ـ أنقرة").text
    assert once == "طرابلس انقره"
    assert fold(once).text == once


def test_fold_treats_decomposed_accents_like_composed_ones() -> None:
    decomposed = unicodedata.normalize("NFD", "Güler")
    assert fold(decomposed).text == fold("Güler").text == "guler"


def test_the_diacritics_dropped_are_camel_tools_set_when_it_is_installed() -> None:
    """The default install has no camel-tools; where it is installed, both name the same marks."""
    charsets = pytest.importorskip("camel_tools.utils.charsets")
    from streams.text.matchform import ARABIC_DIACRITICS

    assert set(ARABIC_DIACRITICS) == set(charsets.AR_DIAC_CHARSET)
