"""Web page chrome: the documented patterns in ``knowledge/chrome.yaml`` and their removal."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from streams.knowledge.files import load_yaml


@dataclass(frozen=True, slots=True)
class ChromePattern:
    name: str
    scope: str  # "line": the whole line; "tail": the end of a line; "head": its start
    regex: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class ChromeSpan:
    """Page chrome found in a text: ``[start, end)`` and the pattern that matched."""

    start: int
    end: int
    pattern: str


@lru_cache(maxsize=1)
def chrome_patterns() -> tuple[ChromePattern, ...]:
    """Load and compile the pattern list once per process."""
    raw = load_yaml(files("streams.knowledge").joinpath("chrome.yaml").read_text("utf-8"))
    patterns = []
    for entry in raw:
        scope = entry["scope"]
        if scope not in ("line", "tail", "head"):
            raise ValueError(f"chrome pattern {entry['name']!r}: unknown scope {scope!r}")
        body = entry["pattern"]
        regex = re.compile(f"(?:{body})\\s*$" if scope == "tail" else f"(?:{body})", re.IGNORECASE)
        patterns.append(ChromePattern(entry["name"], scope, regex))
    return tuple(patterns)


_LINE_RE = re.compile(r"[^\n]+")
#: A line longer than this is article prose, whatever it starts with.
_MAX_CHROME_LINE = 160


def _reads_as_prose(line: str) -> bool:
    """A sentence of several words closed by a full stop is article prose, never chrome."""
    return line.endswith((".", "؟", "!")) and len(line.split()) > 6


#: A repeated line this short is a repeated headline or label, not prose.
_MAX_REPEATED_WORDS = 25


def find_chrome(text: str) -> list[ChromeSpan]:
    """Spans of page chrome in ``text``, line by line, in text order.

    Besides the pattern list, a short line that repeats an earlier line word for word
    (pages often print the headline twice) is chrome too (``repeated_line``).
    """
    spans: list[ChromeSpan] = []
    patterns = chrome_patterns()
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
        for pattern in patterns:
            if pattern.scope == "line":
                if _reads_as_prose(stripped):
                    continue
                if len(stripped) <= _MAX_CHROME_LINE and pattern.regex.fullmatch(stripped):
                    spans.append(ChromeSpan(lead, lead + len(stripped), pattern.name))
                    break
            elif pattern.scope == "head":
                found = pattern.regex.match(stripped)
                if found and found.end() < len(stripped):
                    spans.append(ChromeSpan(lead, lead + found.end(), pattern.name))
                    break
            else:
                found = pattern.regex.search(stripped)
                if found:
                    spans.append(ChromeSpan(lead + found.start(), lead + len(stripped), pattern.name))
                    break
    return spans
