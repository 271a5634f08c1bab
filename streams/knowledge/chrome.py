"""Page-chrome patterns (``chrome.yaml``), validated and compiled once per process.

The patterns of each scope are compiled into one alternation with a named group per
pattern, so a line costs three regex calls whatever the size of the list. Finding chrome
in a text is :func:`streams.text.chrome.find_chrome`; this module only turns the data
into patterns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

SCOPES = ("line", "head", "tail")


@dataclass(frozen=True, slots=True)
class ChromePatterns:
    """One compiled alternation per scope, and the pattern name of each group."""

    line: re.Pattern[str] | None  # the whole line matches
    head: re.Pattern[str] | None  # the start of a line (datelines)
    tail: re.Pattern[str] | None  # the end of a line
    names: dict[str, str]  # group name → pattern name
    #: ``tail`` without the named groups, to find where a tail starts: the regex engine
    #: tries a tail at every position of a line, and without the groups that scan costs
    #: about half as much; ``tail`` then matches where it starts, to name the pattern.
    tail_start: re.Pattern[str] | None = None

    @classmethod
    def from_data(cls, entries: list[dict[str, Any]] | None) -> ChromePatterns:
        """Compile the entries of ``chrome.yaml``; a broken pattern fails with its own error."""
        by_scope: dict[str, list[str]] = {scope: [] for scope in SCOPES}
        bodies: dict[str, list[str]] = {scope: [] for scope in SCOPES}
        names: dict[str, str] = {}
        for number, entry in enumerate(entries or []):
            scope = entry["scope"]
            if scope not in by_scope:
                raise ValueError(f"chrome pattern {entry['name']!r}: unknown scope {scope!r}")
            body = entry["pattern"]
            re.compile(body)
            group = f"p{number}"
            names[group] = entry["name"]
            by_scope[scope].append(f"(?P<{group}>{body})")
            bodies[scope].append(body)  # an alternation of its own joins the others as it is

        def compiled(scope: str, template: str, named: bool = True) -> re.Pattern[str] | None:
            parts = (by_scope if named else bodies)[scope]
            return re.compile(template.format("|".join(parts)), re.IGNORECASE) if parts else None

        return cls(
            line=compiled("line", "(?:{})"),
            head=compiled("head", "(?:{})"),
            tail=compiled("tail", "(?:{})\\s*$"),
            names=names,
            tail_start=compiled("tail", "(?:{})\\s*$", named=False),
        )
