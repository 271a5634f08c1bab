"""Web page chrome: where the documented patterns (``knowledge/chrome.yaml``) match a text.

The patterns come compiled from the knowledge (``Knowledge.chrome``), so this module
reads no file: the normaliser passes them in, and they are part of the knowledge
fingerprint like every other knowledge file.
"""

from __future__ import annotations

import re

from models.article import Chrome
from streams.knowledge.chrome import ChromePatterns

_LINE_RE = re.compile(r"[^\n]+")
#: A line longer than this is article prose, whatever it starts with.
_MAX_CHROME_LINE = 160
#: A repeated line this short is a repeated headline or label, not prose.
_MAX_REPEATED_WORDS = 25


def _reads_as_prose(line: str) -> bool:
    """A sentence of several words closed by a full stop is article prose, never chrome."""
    return line.endswith((".", "؟", "!")) and len(line.split()) > 6


def find_chrome(text: str, patterns: ChromePatterns) -> list[Chrome]:
    """Spans of page chrome in ``text``, line by line, in text order.

    Besides the pattern list, a short line that repeats an earlier line word for word
    (pages often print the headline twice) is chrome too (``repeated_line``).
    """
    spans: list[Chrome] = []
    seen: set[str] = set()
    for line in _LINE_RE.finditer(text):
        content = line.group()
        stripped = content.strip()
        if not stripped:
            continue
        lead = line.start() + (len(content) - len(content.lstrip()))
        if stripped in seen and len(stripped.split()) <= _MAX_REPEATED_WORDS:
            spans.append(_span(text, lead, lead + len(stripped), "repeated_line"))
            continue
        seen.add(stripped)
        if patterns.line and len(stripped) <= _MAX_CHROME_LINE and not _reads_as_prose(stripped):
            found = patterns.line.fullmatch(stripped)
            if found:
                spans.append(_span(text, lead, lead + len(stripped), _group_name(found, patterns)))
                continue
        if patterns.head:
            found = patterns.head.match(stripped)
            if found and found.end() < len(stripped):
                spans.append(_span(text, lead, lead + found.end(), _group_name(found, patterns)))
                continue
        if patterns.tail:
            start = patterns.tail_start.search(stripped) if patterns.tail_start else None
            found = patterns.tail.match(stripped, start.start()) if start else None
            if found:
                spans.append(_span(text, lead + found.start(), lead + len(stripped), _group_name(found, patterns)))
    return spans


def _group_name(found: re.Match[str], patterns: ChromePatterns) -> str:
    """The named group that matched (``lastgroup`` can be an inner group's parent)."""
    for group, value in found.groupdict().items():
        if value is not None and group in patterns.names:
            return patterns.names[group]
    return "chrome"


def content_lines(text: str, chrome: list[Chrome]) -> list[tuple[int, int]]:
    """Non-empty lines with page chrome cut away, as trimmed ``(start, end)`` spans."""
    lines: list[tuple[int, int]] = []
    for line in _LINE_RE.finditer(text):
        start, end = line.span()
        for span in chrome:
            if span.end <= start or span.start >= end:
                continue
            if text[start : span.start].strip():
                end = min(end, span.start)  # chrome ends the line
            else:
                start = max(start, span.end)  # chrome leads the line (a dateline), or is all of it
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            lines.append((start, end))
    return lines


def clean_text(text: str, chrome: list[Chrome]) -> str:
    """The text without its page chrome: its content lines, one per line.

    A function of the text and the chrome spans, so internal records do not carry it:
    the stance stage writes it into the published record.
    """
    return "\n".join(text[start:end] for start, end in content_lines(text, chrome))


def _span(text: str, start: int, end: int, pattern: str) -> Chrome:
    return Chrome(text=text[start:end], start=start, end=end, pattern=pattern)
