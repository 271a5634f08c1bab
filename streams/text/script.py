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
#: The two characters of the Arabic-letter range that are no letters (Sindhi signs, So):
#: counted apart, so the Arabic letters can be counted in the letters alone.
_ARABIC_NON_LETTERS = tuple(
    chr(code) for code in range(0x0600, 0x0700) if _ARABIC_LETTER.fullmatch(chr(code)) and not _LETTER.fullmatch(chr(code))
)

#: Below this many letters a text is too short to be an article.
MIN_LETTERS = 20


def detect_language(text: str) -> str:
    """``ar``, ``fa`` (Persian/Urdu script), ``und`` (too little text) or ``other``."""
    text = text[:_SAMPLE]
    # One regex pass over the sample; the Arabic and Persian letters are then counted in
    # the letters only (every Persian/Urdu letter is a letter), about half as many characters.
    only_letters = "".join(_LETTER.findall(text))
    letters = len(only_letters)
    if letters < MIN_LETTERS:
        return "und"
    arabic = sum(map(len, _ARABIC_LETTER.findall(only_letters))) + sum(map(text.count, _ARABIC_NON_LETTERS))
    if arabic / letters < 0.5:
        return "other"
    if len(_PERSIAN_URDU.findall(only_letters)) > 0.02 * arabic:
        return "fa"
    return "ar"
