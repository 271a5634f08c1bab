"""Web page chrome: the documented patterns in ``knowledge/chrome.yaml`` and their removal.

The patterns of each scope are compiled into one alternation with a named group per
pattern, so a line costs three regex calls whatever the size of the list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from streams.knowledge.files import knowledge_bytes, load_yaml

SCOPES = ("line", "head", "tail")


@dataclass(frozen=True, slots=True)
class ChromeSpan:
    """Page chrome found in a text: ``[start, end)`` and the pattern that matched."""

    start: int
    end: int
    pattern: str


@dataclass(frozen=True, slots=True)
class ChromePatterns:
    """One compiled alternation per scope, and the pattern name of each group."""

    line: re.Pattern[str] | None  # the whole line matches
    head: re.Pattern[str] | None  # the start of a line (datelines)
    tail: re.Pattern[str] | None  # the end of a line
    names: dict[str, str]  # group name → pattern name


@lru_cache(maxsize=1)
def chrome_patterns() -> ChromePatterns:
    """Load and compile the pattern list once per process."""
    by_scope: dict[str, list[str]] = {scope: [] for scope in SCOPES}
    names: dict[str, str] = {}
    for number, entry in enumerate(load_yaml(knowledge_bytes("chrome.yaml"))):
        scope = entry["scope"]
        if scope not in by_scope:
            raise ValueError(f"chrome pattern {entry['name']!r}: unknown scope {scope!r}")
        body = entry["pattern"]
        re.compile(body)  # a broken pattern fails here, with its own error
        group = f"p{number}"
        names[group] = entry["name"]
        by_scope[scope].append(f"(?P<{group}>{body})")

    def compiled(scope: str, template: str) -> re.Pattern[str] | None:
        parts = by_scope[scope]
        return re.compile(template.format("|".join(parts)), re.IGNORECASE) if parts else None

    return ChromePatterns(
        line=compiled("line", "(?:{})"),
        head=compiled("head", "(?:{})"),
        tail=compiled("tail", "(?:{})\\s*$"),
        names=names,
    )


_LINE_RE = re.compile(r"[^\n]+")
#: A line longer than this is article prose, whatever it starts with.
_MAX_CHROME_LINE = 160
#: A repeated line this short is a repeated headline or label, not prose.
_MAX_REPEATED_WORDS = 25


def _reads_as_prose(line: str) -> bool:
    """A sentence of several words closed by a full stop is article prose, never chrome."""
    return line.endswith((".", "؟", "!")) and len(line.split()) > 6


def find_chrome(text: str) -> list[ChromeSpan]:
    """Spans of page chrome in ``text``, line by line, in text order.

    Besides the pattern list, a short line that repeats an earlier line word for word
    (pages often print the headline twice) is chrome too (``repeated_line``).
    """
    patterns = chrome_patterns()
    spans: list[ChromeSpan] = []
    seen: set[str] = set()
    for line in _LINE_RE.finditer(text):
        content = line.group()
        stripped = content.strip()
        if not stripped:
            continue
        lead = line.start() + (len(content) - len(content.lstrip()))
        if stripped in seen and len(stripped.split()) <= _MAX_REPEATED_WORDS:
            spans.append(ChromeSpan(lead, lead + len(stripped), "repeated_line"))
            continue
        seen.add(stripped)
        if patterns.line and len(stripped) <= _MAX_CHROME_LINE and not _reads_as_prose(stripped):
            found = patterns.line.fullmatch(stripped)
            if found:
                spans.append(ChromeSpan(lead, lead + len(stripped), _group_name(found, patterns)))
                continue
        if patterns.head:
            found = patterns.head.match(stripped)
            if found and found.end() < len(stripped):
                spans.append(ChromeSpan(lead, lead + found.end(), _group_name(found, patterns)))
                continue
        if patterns.tail:
            found = patterns.tail.search(stripped)
            if found:
                spans.append(ChromeSpan(lead + found.start(), lead + len(stripped), _group_name(found, patterns)))
    return spans


def _group_name(found: re.Match[str], patterns: ChromePatterns) -> str:
    """The named group that matched (``lastgroup`` can be an inner group's parent)."""
    for group, value in found.groupdict().items():
        if value is not None and group in patterns.names:
            return patterns.names[group]
    return "chrome"
