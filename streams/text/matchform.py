"""The matching form of Arabic text, and the map from it back to the original offsets.

Matching runs on a folded form (NFKC, no diacritics or tatweel, one alef, ي for alef
maqsura, ه for teh marbuta, ASCII digits, one kind of quote, lower-case Latin without
accents, single spaces). The original text is never changed: every folded string carries
``shifts``, the few points where its offsets drift from the original, so a match found in
the folded form maps back exactly. Most news text is already NFKC, and then folding is a
``str.translate`` plus one regex pass, all in C.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

TATWEEL = "\u0640"
#: The Arabic diacritics (harakat, tanwin, shadda, sukun, superscript alef): U+064B-0652
#: and U+0670, the set camel-tools calls ``AR_DIAC_CHARSET``. Spelled out here so that the
#: default install needs no camel-tools (whose declared torch/transformers stack is ~6 GB).
ARABIC_DIACRITICS = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670"
#: Marks and invisible characters that the matching form drops.
_DROPPED = (
    ARABIC_DIACRITICS
    + TATWEEL
    + "\u0610-\u061a\u0653-\u065f\u06d6-\u06ed"
    + "\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u00ad"
)
#: Dropped marks go; of a run of spaces (with dropped marks among them) the first stays.
_DROP_RE = re.compile(f" ((?:[{_DROPPED}]| )+)|[{_DROPPED}]+")
#: ``_DROP_RE`` finds something exactly when a dropped mark or two spaces in a row occur.
_ANY_DROPPED_RE = re.compile(f"[{_DROPPED}]")

_ONE_TO_ONE: dict[str, str] = {
    # alef and hamza-on-alef forms
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
    "ى": "ي", "ة": "ه", "ی": "ي", "ک": "ك", "ۀ": "ه",
    # hamza on its seats: one hamza ("لقائه" and "لقاءه" match the stem "لقاء")
    "ئ": "ء", "ؤ": "ء",
    # punctuation
    "“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"', "″": '"',
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "`": "'", "´": "'",
    "،": ",", "؛": ";", "؟": "?", "٪": "%", "٫": ".", "٬": ",",
    "–": "-", "—": "-", "‒": "-", "−": "-",
    # Latin letters whose lower-casing or folding is not one-to-one
    "İ": "i", "ı": "i", "ß": "s",
}
_ONE_TO_ONE.update({chr(0x0660 + d): str(d) for d in range(10)})  # Arabic-Indic digits
_ONE_TO_ONE.update({chr(0x06F0 + d): str(d) for d in range(10)})  # Persian digits
for _ch in "\t\n\r\v\f\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000":
    _ONE_TO_ONE[_ch] = " "
# Accented Latin letters fold to their base letter (Turkish names: Güler, Kalın, Altındağ).
for _cp in range(0x00C0, 0x0250):
    _ch = chr(_cp)
    if _ch in _ONE_TO_ONE:
        continue
    _base = "".join(c for c in unicodedata.normalize("NFKD", _ch) if not unicodedata.combining(c))
    if len(_base) == 1 and _base != _ch:
        _ONE_TO_ONE[_ch] = _base
_TABLE = str.maketrans(_ONE_TO_ONE)
#: Characters frequent in news text are replaced with ``str.replace`` (a C scan each);
#: the rest go through one regex substitution only when any of them occurs.
_FREQUENT = tuple((c, _ONE_TO_ONE[c]) for c in "ةأإآٱىئؤیک،؛؟“”«»‘’–—\n\t\r\u00a0")
_RARE_RE = re.compile("[" + re.escape("".join(c for c in _ONE_TO_ONE if c not in dict(_FREQUENT))) + "]")


def map_one_to_one(text: str) -> str:
    """Apply the one-to-one character folding (same length, same offsets)."""
    for source, target in _FREQUENT:
        if source in text:
            text = text.replace(source, target)
    if _RARE_RE.search(text):
        text = _RARE_RE.sub(lambda match: _ONE_TO_ONE[match.group()], text)
    return text


@dataclass(frozen=True, slots=True)
class Folded:
    """A folded string and the shifts that map its offsets to the original's."""

    text: str
    shifts: tuple[tuple[int, int], ...] = ()

    def original_offset(self, index: int) -> int:
        """Offset in the original string of the folded character at ``index``."""
        return to_original(self.shifts, index)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``[start, end)`` of the folded span ``[start, end)`` (``end > start``)."""
        return span_to_original(self.shifts, start, end)


def to_original(shifts: tuple[tuple[int, int], ...] | list[tuple[int, int]], index: int) -> int:
    """Map a folded index to the original; ``shifts`` as built by :func:`fold`."""
    if not shifts:
        return index
    pos = bisect_right(shifts, (index, float("inf"))) - 1
    return index if pos < 0 else index + shifts[pos][1]


def span_to_original(
    shifts: tuple[tuple[int, int], ...] | list[tuple[int, int]], start: int, end: int
) -> tuple[int, int]:
    """Map a folded half-open span to the original half-open span."""
    return to_original(shifts, start), to_original(shifts, end - 1) + 1


def to_folded(shifts: tuple[tuple[int, int], ...] | list[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    """Inverse of :func:`span_to_original`: an original half-open span in folded offsets."""
    if not shifts:
        return start, end

    def inverse(offset: int) -> int:
        # index + delta (the original offset of a shift) grows along the shifts: bisect it
        position = bisect_right(shifts, offset, key=lambda shift: shift[0] + shift[1]) - 1
        return max(0, offset - shifts[position][1] if position >= 0 else offset)

    folded_start = inverse(start)
    return folded_start, max(folded_start + 1, inverse(end - 1) + 1)


def fold(text: str) -> Folded:
    """Build the matching form of ``text`` with the shifts back to it."""
    if not unicodedata.is_normalized("NFKC", text):
        return _fold_slow(text)
    mapped = map_one_to_one(text).lower()
    if len(mapped) != len(text):  # a rare lower-casing that is not one-to-one
        return _fold_slow(text)
    return _drop(mapped)


@lru_cache(maxsize=1 << 16)
def fold_phrase(text: str) -> str:
    """The matching form of a lexicon phrase (no offsets needed), trimmed.

    Cached: the stages fold the same lexicon phrases and mention texts for every article.
    """
    return fold(text).text.strip()


def _drop(mapped: str) -> Folded:
    """Delete dropped marks and repeated spaces from a one-to-one mapped string."""
    if "  " not in mapped and _ANY_DROPPED_RE.search(mapped) is None:
        return Folded(mapped)  # the usual sentence: nothing to drop (one character-class scan)
    pieces: list[str] = []
    shifts: list[tuple[int, int]] = []
    kept = 0  # characters written to the folded text so far
    last = 0  # next unread index of ``mapped``
    for match in _DROP_RE.finditer(mapped):
        start, end = match.span(1) if match.group(1) else match.span()
        pieces.append(mapped[last:start])
        kept += start - last
        last = end
        shifts.append((kept, end - kept))
    if not shifts:
        return Folded(mapped)
    pieces.append(mapped[last:])
    return Folded("".join(pieces), tuple(shifts))


_DROPPED_SET = frozenset(c for c in map(chr, range(0x10000)) if _DROP_RE.fullmatch(c))


def _clusters(text: str) -> Iterator[tuple[int, str]]:
    """Each base character with the combining marks that follow it, and its offset."""
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text) or not unicodedata.combining(text[index]):
            yield start, text[start:index]
            start = index


def _fold_slow(text: str) -> Folded:
    """Cluster-by-cluster path for text that is not NFKC (ligatures, decomposed accents)."""
    chars: list[str] = []
    origins: list[int] = []
    for index, cluster in _clusters(text):
        for folded_char in unicodedata.normalize("NFKC", cluster).translate(_TABLE).lower():
            if folded_char in _DROPPED_SET or unicodedata.combining(folded_char):
                continue
            if folded_char == " " and chars and chars[-1] == " ":
                continue
            chars.append(folded_char)
            origins.append(index)
    shifts: list[tuple[int, int]] = []
    delta = 0
    for out, origin in enumerate(origins):
        if origin - out != delta:
            delta = origin - out
            shifts.append((out, delta))
    return Folded("".join(chars), tuple(shifts))
