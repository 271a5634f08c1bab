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
#: counted apart, so that the letters of the Arabic range are its characters less these.
_ARABIC_NON_LETTERS = tuple(
    chr(code) for code in range(0x0600, 0x0700) if _ARABIC_LETTER.fullmatch(chr(code)) and not _LETTER.fullmatch(chr(code))
)

#: Below this many letters a text is too short to be an article.
MIN_LETTERS = 20


def detect_language(text: str) -> str:
    """``ar``, ``fa`` (Persian/Urdu script), ``und`` (too little text) or ``other``."""
    text = text[:_SAMPLE]
    # One pass over the sample removes the Arabic-range characters, letters or not (the
    # two non-letters are counted apart); what is left, spaces, punctuation and other
    # scripts, is about a fifth of an Arabic text and is where the other letters are
    # counted. Every Persian/Urdu letter is an Arabic-range letter.
    rest = _ARABIC_LETTER.sub("", text)
    arabic = len(text) - len(rest)
    letters = arabic - sum(map(text.count, _ARABIC_NON_LETTERS)) + sum(map(len, _LETTER.findall(rest)))
    if letters < MIN_LETTERS:
        return "und"
    if arabic / letters < 0.5:
        return "other"
    if len(_PERSIAN_URDU.findall(text)) > 0.02 * arabic:
        return "fa"
    return "ar"
