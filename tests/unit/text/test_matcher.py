"""The Aho–Corasick phrase matcher: clitics, word boundaries, longest match, open stems."""

from __future__ import annotations

from streams.text.matcher import PhraseMatcher
from streams.text.matchform import fold, fold_phrase


def _matcher(*phrases: str, **options: object) -> PhraseMatcher[str]:
    return PhraseMatcher([(fold_phrase(p), p) for p in phrases], **options)  # type: ignore[arg-type]


def _found(matcher: PhraseMatcher[str], text: str) -> list[tuple[str, str, str]]:
    """(matched text of the folded input, clitic, first value) for each match."""
    folded = fold(text).text
    return [(folded[m.start : m.end], m.clitic, m.values[0]) for m in matcher.find(folded)]


def test_plain_phrase_and_offsets_exclude_the_clitic() -> None:
    matcher = _matcher("بنغازي")
    folded = fold("وصل الوفد إلى بنغازي ثم غادر وبنغازي هادئة").text
    matches = matcher.find(folded)
    assert [(m.clitic, folded[m.start : m.end]) for m in matches] == [("", "بنغازي"), ("و", "بنغازي")]
    assert all(m.phrase == "بنغازي" for m in matches)


def test_proclitics() -> None:
    matcher = _matcher("بنغازي", "أنقرة", "الجيش")
    assert _found(matcher, "وبنغازي") == [("بنغازي", "و", "بنغازي")]
    assert _found(matcher, "لأنقرة") == [("انقره", "ل", "أنقرة")]
    assert _found(matcher, "فبأنقرة") == [("انقره", "فب", "أنقرة")]
    assert _found(matcher, "والجيش") == [("الجيش", "و", "الجيش")]


def test_lam_fused_with_the_article() -> None:
    # "للجيش" is ل + الجيش with the alef of the article dropped
    matcher = _matcher("الجيش الوطني")
    folded = fold("وجه الشكر للجيش الوطني وللجيش الوطني").text
    matches = matcher.find(folded)
    assert [m.clitic for m in matches] == ["ل", "ول"]
    assert all(m.values == ("الجيش الوطني",) for m in matches)


def test_no_match_inside_a_longer_word() -> None:
    matcher = _matcher("بنغازي", "قطر", "حفتر")
    assert _found(matcher, "يرى البنغازيون أن المدينة تستحق الأفضل") == []
    assert _found(matcher, "قطرات المطر والقطار") == []
    assert _found(matcher, "أبناءحفتر") == []
    assert _found(matcher, "قطر، حفتر.") == [("قطر", "", "قطر"), ("حفتر", "", "حفتر")]


def test_word_boundary_applies_to_latin_and_digits_too() -> None:
    matcher = _matcher("bmc", "2019")
    assert _found(matcher, "BMC") == [("bmc", "", "bmc")]
    assert _found(matcher, "BMCX 20190 في عام ٢٠١٩") == [("2019", "", "2019")]


def test_longest_match_wins() -> None:
    matcher = _matcher("صدام", "حفتر", "صدام حفتر", "وزير الدفاع", "وزير الدفاع التركي")
    assert _found(matcher, "التقى صدام حفتر وزير الدفاع التركي") == [
        ("صدام حفتر", "", "صدام حفتر"),
        ("وزير الدفاع التركي", "", "وزير الدفاع التركي"),
    ]
    assert _found(matcher, "قال حفتر") == [("حفتر", "", "حفتر")]


def test_matches_are_non_overlapping_and_in_text_order() -> None:
    matcher = _matcher("مجلس النواب", "رئيس مجلس النواب", "النواب الليبي", "ليبيا")
    folded = fold("قال رئيس مجلس النواب الليبي إن ليبيا موحدة").text
    matches = matcher.find(folded)
    assert [m.values[0] for m in matches] == ["رئيس مجلس النواب", "ليبيا"]
    for first, second in zip(matches, matches[1:]):
        assert first.end <= second.start


def test_open_ended_stems_take_suffixes() -> None:
    closed = _matcher("اجتماع")
    opened = _matcher("اجتماع", open_end=True)
    text = "في اجتماعه الأخير واجتماعات سابقة"
    assert _found(closed, text) == []
    assert _found(opened, text) == [("اجتماع", "", "اجتماع"), ("اجتماع", "و", "اجتماع")]
    # the open end is only on the right: a longer word before the stem does not match
    assert _found(opened, "الااجتماع") == []


def test_open_phrases_only_for_the_listed_stems() -> None:
    matcher = PhraseMatcher(
        [(fold_phrase("لقاء"), "stem"), (fold_phrase("قمة"), "word")], open_phrases=[fold_phrase("لقاء")]
    )
    folded = fold("لقاءات قمتين لقاء قمة").text
    assert [(folded[m.start : m.end], m.values[0]) for m in matcher.find(folded)] == [
        ("لقاء", "stem"),
        ("لقاء", "stem"),
        ("قمه", "word"),
    ]


def test_several_values_per_phrase() -> None:
    matcher = PhraseMatcher([("حفتر", "Khalifa"), ("حفتر", "Saddam"), ("حفتر", "Khalid"), ("صدام", "Saddam")])
    assert len(matcher) == 2
    (match,) = matcher.find("قال حفتر")
    assert match.values == ("Khalifa", "Saddam", "Khalid")


def test_without_clitics() -> None:
    matcher = _matcher("بنغازي", clitics=False)
    assert _found(matcher, "بنغازي وبنغازي") == [("بنغازي", "", "بنغازي")]


def test_empty_matcher_and_empty_phrases() -> None:
    assert PhraseMatcher([]).find("أي نص") == []
    assert PhraseMatcher([("", 1)]).find("أي نص") == []
    assert _matcher("بنغازي").find("") == []


def test_of_two_overlapping_phrases_the_longer_wins_even_when_it_starts_later() -> None:
    """"قوات الجيش الوطني" and "الجيش الوطني الليبي" share "الجيش الوطني": the longer one is
    chosen, not the leftmost (a leftmost-longest scan would take the first)."""
    matcher = _matcher("قوات الجيش الوطني", "الجيش الوطني الليبي", "الجيش الوطني")
    assert _found(matcher, "وصلت قوات الجيش الوطني الليبي") == [("الجيش الوطني الليبي", "", "الجيش الوطني الليبي")]
    # of two of the same length, the leftmost
    matcher = _matcher("قوات الجيش", "الجيش الحر")
    assert _found(matcher, "قوات الجيش الحر") == [("قوات الجيش", "", "قوات الجيش")]


def test_one_scan_of_several_texts_finds_what_a_scan_of_each_finds() -> None:
    """``find_in_all``: hits at a text's start and end, with clitics and fused articles,
    and phrases that would only match across two texts, which must not."""
    matcher = _matcher("الجيش", "حفتر", "مجلس النواب", "تركيا")
    texts = [
        fold(t).text
        for t in ("للجيش موقف", "قال حفتر", "مجلس", "النواب وتركيا", "وحفتر", "فتركيا تقول للجيش")
    ]
    per_text = [(m.phrase, m.clitic, m.values) for text in texts for m in matcher.find(text)]
    joined = matcher.find_in_all(texts)
    assert [(m.phrase, m.clitic, m.values) for m in joined] == per_text
    assert "مجلس النواب" not in {m.phrase for m in joined}  # split over two texts
    whole = "\n".join(texts)
    assert all(whole[m.start : m.end] == m.phrase or m.phrase.startswith("ال") for m in joined)
