"""Which language an article is in, from its letters: enough to route non-Arabic text away.

Arabic news is told from other text by the share of Arabic-script letters; Persian and
Urdu, which share the script, by the letters only they use (پ چ ژ گ ک ی ٹ ڈ ں ے).
"""

from __future__ import annotations

import re

_ARABIC_LETTER = re.compile(r"[\u0621-\u063a\u0641-\u064a\u0671-\u06d3\u06fa-\u06ff]+")
_PERSIAN_URDU = re.compile(r"[پچژگکیٹڈںے]")
_LETTER = re.compile(r"[^\W\d_]+")
#: Enough text to tell the language; longer articles are judged on their beginning.
_SAMPLE = 4000


def _count(pattern: re.Pattern[str], text: str) -> int:
    return len("".join(pattern.findall(text)))

#: Below this many letters a text is too short to be an article.
MIN_LETTERS = 20


def detect_language(text: str) -> str:
    """``ar``, ``fa`` (Persian/Urdu script), ``und`` (too little text) or ``other``."""
    text = text[:_SAMPLE]
    letters = _count(_LETTER, text)
    if letters < MIN_LETTERS:
        return "und"
    arabic = _count(_ARABIC_LETTER, text)
    if arabic / letters < 0.5:
        return "other"
    if len(_PERSIAN_URDU.findall(text)) > 0.02 * arabic:
        return "fa"
    return "ar"
