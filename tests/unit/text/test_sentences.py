"""Sentence boundaries as offsets into the original text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.text.sentences import reads_as_heading, split_sentences


def _sentences(text: str, *args: int) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text, *args)]


def test_splits_on_arabic_and_latin_terminals() -> None:
    text = "وصل الوفد إلى أنقرة. هل تنجح المبادرة؟ يرى مراقبون ذلك! وانتهى اللقاء…  ثم غادر."
    assert _sentences(text) == [
        "وصل الوفد إلى أنقرة.",
        "هل تنجح المبادرة؟",
        "يرى مراقبون ذلك!",
        "وانتهى اللقاء…",
        "ثم غادر.",
    ]


def test_a_decimal_number_does_not_split() -> None:
    text = "ارتفع حجم التبادل التجاري بنسبة 2.5 بالمئة هذا العام. وتوقع خبراء زيادته."
    assert _sentences(text) == ["ارتفع حجم التبادل التجاري بنسبة 2.5 بالمئة هذا العام.", "وتوقع خبراء زيادته."]


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ('قال الوزير: "نحن مستعدون للتعاون." ثم غادر القاعة.', 'قال الوزير: "نحن مستعدون للتعاون."'),
        ("قال الوزير «نحن مستعدون للتعاون.» ثم غادر القاعة.", "قال الوزير «نحن مستعدون للتعاون.»"),
        ("وأضاف: “الزيارة ناجحة.” وانتهى المؤتمر.", "وأضاف: “الزيارة ناجحة.”"),
        ("(وصل الوفد أمس.) وبدأت المحادثات.", "(وصل الوفد أمس.)"),
    ],
)
def test_closing_quotes_and_brackets_stay_with_their_sentence(text: str, first: str) -> None:
    assert _sentences(text)[0] == first


def test_line_breaks_end_sentences_and_offsets_are_trimmed() -> None:
    text = "  العنوان الرئيسي  \n\n  الفقرة الأولى من الخبر  \n"
    spans = list(split_sentences(text))
    assert [text[a:b] for a, b in spans] == ["العنوان الرئيسي", "الفقرة الأولى من الخبر"]
    for start, end in spans:
        assert not text[start].isspace() and not text[end - 1].isspace()


def test_a_window_of_the_text() -> None:
    text = "جملة خارج النافذة. الجملة الأولى. الجملة الثانية. جملة بعدها."
    start = text.index("الجملة الأولى")
    end = text.index(" جملة بعدها")
    assert _sentences(text, start, end) == ["الجملة الأولى.", "الجملة الثانية."]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ابتس ٢2.!?؟…\"”»)\n\t\u00a0")), max_size=80))
def test_offsets_are_trimmed_ordered_and_inside_the_text(text: str) -> None:
    previous_end = 0
    for start, end in split_sentences(text):
        assert previous_end <= start < end <= len(text)
        assert text[start:end].strip() == text[start:end].strip(" \t\r\n\u00a0")
        assert text[start] not in " \t\r\n\u00a0" and text[end - 1] not in " \t\r\n\u00a0"
        previous_end = end


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_sentences_cover_every_non_space_character(text: str) -> None:
    covered = set()
    for start, end in split_sentences(text):
        covered.update(range(start, end))
    for index, char in enumerate(text):
        if char not in " \t\r\n\u00a0\u200f\u200e":
            assert index in covered


def test_a_sentence_ending_in_a_year_is_split() -> None:
    text = "وقعت الحكومتان الاتفاقية في عام 2019. ثم زار الوفد أنقرة."
    assert _sentences(text) == ["وقعت الحكومتان الاتفاقية في عام 2019.", "ثم زار الوفد أنقرة."]


@pytest.mark.parametrize(
    ("line", "heading"),
    [
        ("تركيا وحفتر: تقارب يتسارع", True),
        ("هل تعزز أنقرة حضورها البحري شرق المتوسط؟", True),
        ("وصل الوفد التركي إلى بنغازي صباح اليوم.", False),
        ("وقال المتحدث:", False),
        ("", False),
        ("   ", False),
        (" ".join(["كلمة"] * 17), False),
        (" ".join(["كلمة"] * 16), True),
    ],
)
def test_reads_as_heading(line: str, heading: bool) -> None:
    assert reads_as_heading(line) is heading
