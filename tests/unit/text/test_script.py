"""Language detection from the letters of a text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.text.script import MIN_LETTERS, detect_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("التقى وزير الدفاع التركي نائب القائد العام في أنقرة لبحث التعاون العسكري.", "ar"),
        ("The Turkish defence minister met Libyan officials in Ankara on Friday.", "other"),
        ("وزیر دفاع ترکیه با پسر حفتر در آنکارا دیدار کرد و گفتگو چند ساعت طول کشید.", "fa"),
        ("", "und"),
        ("حفتر", "und"),
        ("123 456 789 !!! ... ؟؟؟", "und"),
        ("Ankara " * 3 + "التقى الوزير نظيره الليبي في العاصمة التركية وبحثا ملفات عديدة", "ar"),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_persian_is_told_by_its_own_letters() -> None:
    # the same sentence with پ چ گ (and Persian ی/ک) reads as Persian, without them as Arabic
    arabic = "قال المسؤول إن الحكومة ستواصل الحوار مع جميع الأطراف في البلاد"
    persian = "گفت مسئول که دولت گفتگو با همه طرفها را در کشور پیگیری می‌کند و چند پروژه دارد"
    assert detect_language(arabic) == "ar"
    assert detect_language(persian) == "fa"


def test_short_text_threshold() -> None:
    assert detect_language("ب" * (MIN_LETTERS - 1)) == "und"
    assert detect_language("ب" * MIN_LETTERS) == "ar"


def test_digits_and_punctuation_do_not_count_as_letters() -> None:
    text = "٢٠٢٥ 2025 ... ؟ « » " * 10 + "حفتر"
    assert detect_language(text) == "und"


def _by_definition(text: str) -> str:
    """The rule spelled out character by character: letters are ``[^\\W\\d_]``, Arabic
    letters those of the Arabic ranges, Persian/Urdu letters the ten only they use."""
    text = text[:4000]
    letters = [c for c in text if (c.isalnum() or c == "_") and not c.isdecimal() and c != "_"]
    arabic = sum(1 for c in text if re.fullmatch(r"[\u0621-\u063a\u0641-\u064a\u0671-\u06d3\u06fa-\u06ff]", c))
    if len(letters) < MIN_LETTERS:
        return "und"
    if arabic / len(letters) < 0.5:
        return "other"
    if sum(1 for c in letters if c in "پچژگکیٹڈںے") > 0.02 * arabic:
        return "fa"
    return "ar"


_MIXED = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x0600, max_codepoint=0x06FF),  # the whole Arabic block
        st.sampled_from(" .,،؛«»\n0123456789٠١٢_-"),
        st.characters(min_codepoint=0x20, max_codepoint=0x024F),  # Latin, accents
        st.sampled_from("پچژگکیٹڈںے"),
    ),
    max_size=300,
)


@settings(max_examples=400, deadline=None)
@given(_MIXED)
def test_counts_follow_the_definition(text: str) -> None:
    # the counting runs one regex pass over the Arabic range and counts the other letters
    # in what is left: the verdict is that of the rule applied character by character
    assert detect_language(text) == _by_definition(text)
