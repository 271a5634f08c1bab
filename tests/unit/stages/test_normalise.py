"""Stage 1: title, page chrome, sentences and their matching forms, ids, rejections."""

from __future__ import annotations

from datetime import datetime, timezone

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import NormalisedArticle, RawArticle, Source
from streams.errors import ArticleRejected, ArticleTooLarge, EmptyArticle, NotArabic
from streams.stages.normalise import normalise
from streams.knowledge import load_knowledge
from streams.text.chrome import clean_text, find_chrome
from streams.text.matchform import fold, to_original

HEADLINE = "تركيا والشرق الليبي: صفحة جديدة في العلاقات"
BODY = (
    "وصل وفد عسكري تركي إلى مدينة بنغازي صباح الثلاثاء في زيارة تستغرق يومين. "
    "وبحث الوفد مع قيادة الجيش سبل تعزيز التعاون في مجالات التدريب والصيانة.\n"
    "اقرأ أيضا: أنقرة توسع حضورها الاقتصادي في شرق ليبيا\n"
    "وقال مسؤول محلي إن الزيارة تأتي ضمن سلسلة لقاءات بدأت مطلع العام. زر الذهاب إلى الأعلى\n"
    "مناقشة حول هذا post\n"
)


@pytest.fixture(scope="module")
def article():
    return normalise(RawArticle(text=f"{HEADLINE}\n{BODY}", source=Source(name="test", url="https://example.org/a")))


def test_first_line_that_reads_as_a_headline_is_the_title(article) -> None:
    assert article.title == HEADLINE
    assert article.sentences[0].heading is True
    assert article.text[article.sentences[0].start : article.sentences[0].end] == HEADLINE
    assert not any(s.heading for s in article.sentences[1:])


def test_no_title_when_the_first_line_is_prose() -> None:
    result = normalise(RawArticle(text=BODY))
    assert result.title is None


def test_a_given_title_is_kept_and_prefixed_to_the_text() -> None:
    result = normalise(RawArticle(title=HEADLINE, text=BODY))
    assert result.title == HEADLINE
    assert result.text.startswith(HEADLINE + "\n")
    again = normalise(RawArticle(title=HEADLINE, text=f"{HEADLINE}\n{BODY}"))
    assert again.text == f"{HEADLINE}\n{BODY}"  # not repeated when the text already starts with it


def test_original_text_is_untouched(article) -> None:
    assert article.text == f"{HEADLINE}\n{BODY}"
    assert article.language == "ar"


def test_chrome_is_removed_and_reported_with_offsets(article) -> None:
    removed = {item.pattern: item for item in article.chrome}
    assert set(removed) == {"read_also", "back_to_top", "discussion_footer"}
    body = clean_text(article.text, article.chrome)
    for item in article.chrome:
        assert article.text[item.start : item.end] == item.text
        assert item.text not in body
    assert removed["back_to_top"].text == "زر الذهاب إلى الأعلى"
    assert removed["discussion_footer"].text == "مناقشة حول هذا post"
    assert "وقال مسؤول محلي" in body


def test_the_record_leaves_the_clean_text_to_the_published_record(article) -> None:
    """Internal records carry what the text gives back once: no copy of it without chrome."""
    assert "clean_text" not in orjson.loads(article.to_json())
    assert "clean_text" not in NormalisedArticle.model_json_schema()["properties"]


def test_every_sentence_maps_back_to_the_text_without_chrome(article) -> None:
    assert len(article.sentences) >= 4
    previous_end = 0
    for sentence in article.sentences:
        piece = article.text[sentence.start : sentence.end]
        assert piece and piece == piece.strip()
        assert sentence.start >= previous_end
        previous_end = sentence.end
        for item in article.chrome:
            assert sentence.end <= item.start or sentence.start >= item.end
        assert find_chrome(piece, load_knowledge().chrome) == [] or sentence.heading
        folded = fold(piece)
        assert sentence.norm == folded.text
        assert [tuple(s) for s in sentence.shifts] == list(folded.shifts)


def test_sentence_norm_maps_back_through_shifts() -> None:
    text = "التقى صدّامٌ حفتر وزيرَ الدفاع في أنقـرة يوم الجمعة لبحث ملفات التعاون العسكري."
    result = normalise(RawArticle(text=text))
    (sentence,) = result.sentences
    at = sentence.norm.index("انقره")
    start = sentence.start + to_original(sentence.shifts, at)
    end = sentence.start + to_original(sentence.shifts, at + 4) + 1
    assert text[start:end] == "أنقـرة"


def test_id_is_stable_and_derived_from_content_and_source() -> None:
    first = normalise(RawArticle(text=BODY, source=Source(url="https://example.org/1")))
    again = normalise(RawArticle(text=BODY, source=Source(url="https://example.org/1")))
    elsewhere = normalise(RawArticle(text=BODY, source=Source(url="https://example.org/2")))
    other = normalise(RawArticle(text=BODY + "\nوأضاف المسؤول أن الوفد سيعود الشهر المقبل.", source=Source(url="https://example.org/1")))
    assert first.id == again.id
    assert first.content_hash == again.content_hash
    assert first.id != elsewhere.id
    assert first.id != other.id


def test_an_id_given_is_kept() -> None:
    result = normalise(RawArticle(id="article-42", text=BODY))
    assert result.id == "article-42"


def test_source_and_date_are_carried() -> None:
    published = datetime(2025, 4, 8, tzinfo=timezone.utc)
    result = normalise(RawArticle(text=BODY, source=Source(file="a.txt", name="n"), published_at=published))
    assert result.source.file == "a.txt"
    assert result.published_at == published


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", EmptyArticle),
        ("   \n\n  ", EmptyArticle),
        ("زر الذهاب إلى الأعلى\nمناقشة حول هذا post", EmptyArticle),
        ("حفتر في أنقرة", EmptyArticle),
        ("The Turkish defence minister met Saddam Haftar in Ankara on Friday to discuss training.", NotArabic),
        ("وزیر دفاع ترکیه با پسر حفتر در آنکارا دیدار کرد و گفتگو چند ساعت طول کشید.", NotArabic),
    ],
)
def test_unusable_articles_are_rejected(text: str, error: type[ArticleRejected]) -> None:
    with pytest.raises(error) as raised:
        normalise(RawArticle(text=text))
    assert isinstance(raised.value, ArticleRejected)


def test_too_large_articles_are_rejected() -> None:
    with pytest.raises(ArticleTooLarge):
        normalise(RawArticle(text=BODY), max_chars=len(BODY) - 1)
    assert normalise(RawArticle(text=BODY), max_chars=len(BODY)).text == BODY


def test_rejections_carry_a_reason() -> None:
    assert {EmptyArticle.reason, NotArabic.reason, ArticleTooLarge.reason} == {"empty", "not_arabic", "too_large"}


_ARABIC_WORDS = st.sampled_from(
    ["حفتر", "أنقرة", "التقى", "وزير", "الدفاع", "التركي", "في", "بنغازي", "٢٠٢٥", "الحنّة", "ـ", "\ufefb", "Güler"]
)
_arabicish = st.lists(
    st.one_of(_ARABIC_WORDS, st.sampled_from([" ", "\n", ". ", "؟ ", "، ", "زر الذهاب إلى الأعلى", "\u200f"])),
    max_size=60,
).map("".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(), _arabicish))
def test_normalise_raises_only_article_rejections(text: str) -> None:
    try:
        result = normalise(RawArticle(text=text))
    except ArticleRejected:
        return
    for sentence in result.sentences:
        assert result.text[sentence.start : sentence.end].strip()
    for item in result.chrome:
        assert result.text[item.start : item.end] == item.text
