"""A set of half-open character spans with overlap queries in logarithmic time.

Checking a candidate against every span taken so far is quadratic on long articles;
merged, sorted spans answer "does [start, end) overlap any of them" with one bisection.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable


class Spans:
    """Covered ``[start, end)`` ranges, kept merged and sorted."""

    def __init__(self, spans: Iterable[tuple[int, int]] = ()):
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if end <= start:
                continue
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self._starts = [start for start, _ in merged]
        self._ends = [end for _, end in merged]

    def overlaps(self, start: int, end: int) -> bool:
        """Whether ``[start, end)`` shares a character with a covered span."""
        position = bisect_right(self._starts, start) - 1
        if position >= 0 and self._ends[position] > start:
            return True
        following = position + 1
        return following < len(self._starts) and self._starts[following] < end

    def add(self, start: int, end: int) -> None:
        """Cover ``[start, end)`` too, merging it with the spans it touches."""
        if end <= start:
            return
        first = bisect_left(self._ends, start)  # spans ending before start stay apart
        last = bisect_right(self._starts, end)  # spans starting after end stay apart
        if first < last:
            start, end = min(start, self._starts[first]), max(end, self._ends[last - 1])
        self._starts[first:last] = [start]
        self._ends[first:last] = [end]
