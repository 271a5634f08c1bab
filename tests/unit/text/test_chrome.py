"""Page chrome: the documented patterns remove page furniture and leave news prose alone."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.knowledge import load_knowledge
from streams.text.chrome import find_chrome

PATTERNS = load_knowledge().chrome


def _removed(text: str) -> list[str]:
    return [text[span.start : span.end] for span in find_chrome(text, PATTERNS)]


def test_patterns_load_with_known_scopes() -> None:
    patterns = PATTERNS
    assert len(patterns.names) >= 5
    assert len(set(patterns.names.values())) == len(patterns.names)  # names are unique
    assert patterns.line is not None and patterns.head is not None and patterns.tail is not None


@pytest.mark.parametrize(
    ("line", "pattern"),
    [
        ("زر الذهاب إلى الأعلى", "back_to_top"),
        ("مناقشة حول هذا post", "discussion_footer"),
        ("اقرأ أيضا: وفد عسكري تركي يصل إلى بنغازي", "read_also"),
        ("اقرأ أيضاً - مباحثات ليبية تركية في أنقرة", "read_also"),
        ("شارك هذا المقال على فيسبوك", "share"),
        ("فيسبوك تويتر واتساب تلغرام", "share"),
        ("تابعونا على تلغرام", "follow_us"),
        ("المصدر: وكالة الأنباء الليبية", "source_line"),
        ("جميع الحقوق محفوظة © 2025", "rights"),
    ],
)
def test_documented_chrome_lines_are_found_whole(line: str, pattern: str) -> None:
    text = f"وصل الوفد التركي إلى بنغازي صباح اليوم.\n  {line}  \nوبدأ المحادثات مع القيادة."
    spans = find_chrome(text, PATTERNS)
    assert len(spans) == 1
    span = spans[0]
    assert span.pattern == pattern
    assert text[span.start : span.end] == line  # trimmed of the surrounding spaces


def test_back_to_top_is_cut_from_the_end_of_a_prose_line() -> None:
    text = "وأكد الوزير أن المحادثات كانت إيجابية ومثمرة. زر الذهاب إلى الأعلى"
    spans = find_chrome(text, PATTERNS)
    assert [(s.pattern, text[s.start : s.end]) for s in spans] == [("back_to_top", "زر الذهاب إلى الأعلى")]
    assert text[: spans[0].start].rstrip().endswith("ومثمرة.")


def test_spans_are_in_text_order_with_offsets_into_the_text() -> None:
    text = "اقرأ أيضا: خبر آخر\nنص الخبر الأساسي عن زيارة الوفد.\nزر الذهاب إلى الأعلى\nمناقشة حول هذا post"
    spans = find_chrome(text, PATTERNS)
    assert [s.pattern for s in spans] == ["read_also", "back_to_top", "discussion_footer"]
    assert [s.start for s in spans] == sorted(s.start for s in spans)
    for span in spans:
        assert 0 <= span.start < span.end <= len(text)
        assert "\n" not in text[span.start : span.end]


@pytest.mark.parametrize(
    "sentence",
    [
        "وشارك في الاجتماع ممثلون عن وزارة الدفاع التركية وقيادة الجيش في بنغازي.",
        "وقال المصدر إن الوفد التركي سيصل إلى بنغازي الأسبوع المقبل لاستكمال المباحثات.",
        "تابع الوزير سير التدريبات البحرية المشتركة قبالة سواحل مدينة الخمس.",
        "وتابع المتحدث قائلا إن بلاده لن تتخلى عن شركائها في ليبيا.",
        "شاركت فرقاطة تركية في مناورات بحرية قرب السواحل الليبية.",
        "وأوضح المصدر: الزيارة تأتي في إطار تعزيز التعاون العسكري بين البلدين.",
        "وحذر مراقبون من أن تعليق الرحلات الجوية بين طرابلس وإسطنبول سيضر بالمسافرين.",
        "وأعلنت الشركة التركية عن مشروع جديد لإعادة إعمار المدينة القديمة في درنة.",
    ],
)
def test_news_sentences_are_not_chrome(sentence: str) -> None:
    assert find_chrome(sentence, PATTERNS) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "شارك عبر تقنية الاتصال المرئي رئيس المجلس الرئاسي في أعمال القمة العربية.",
        "اشترك الجيشان في مناورات بحرية قبالة سواحل طرابلس.",
        "انضم وفد تركي إلى المحادثات الجارية في بنغازي.",
    ],
    ids=["share-sharaka-abra", "follow_us-ishtaraka", "follow_us-indamma"],
)
def test_news_paragraphs_starting_with_a_verb_of_taking_part_are_not_chrome(sentence: str) -> None:
    assert find_chrome(sentence, PATTERNS) == []


def test_a_long_line_is_prose_whatever_it_starts_with() -> None:
    line = "المصدر: " + "وكالة الأنباء الليبية نقلت عن مسؤولين في وزارة الدفاع التركية أن " * 4
    assert find_chrome(line, PATTERNS) == []


_FRAGMENTS = ["زر الذهاب إلى الأعلى", "العودة إلى الأعلى", " - عاجل", " | فيديو", " –  بالصور", "عاجل", "صور", "-", " ", "  ",
              "وصل الوفد إلى بنغازي", "للأعلى", "الذهاب", "Video", "."]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=8).map("".join))
def test_the_tail_is_found_where_the_named_alternation_finds_it(line: str) -> None:
    # find_chrome looks for a tail's start with the group-free alternation, then names it
    # with the named one at that start: the same span and the same group as one search
    line = line.strip()
    named = PATTERNS.tail.search(line) if PATTERNS.tail else None
    start = PATTERNS.tail_start.search(line) if PATTERNS.tail_start else None
    found = PATTERNS.tail.match(line, start.start()) if start and PATTERNS.tail else None
    if named is None:
        assert found is None
    else:
        assert found is not None and (found.span(), found.lastgroup) == (named.span(), named.lastgroup)
