"""Language detection from the letters of a text."""

from __future__ import annotations

import pytest

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
