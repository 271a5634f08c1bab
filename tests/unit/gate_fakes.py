"""What a unit test of the publish-once gate needs of Faust: an app with a table factory, and send metadata."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class FakeApp:
    """Just what PublishGate touches at construction: a table factory (a dict stands for the table)."""

    consumer_generation_id = 1

    def Table(self, name: str, **options: Any) -> dict[bytes, bytes]:  # noqa: N802 - Faust's name
        return {}


@dataclass
class Sent:
    """The record metadata the broker acknowledges a send with (its offset is all the gate reads)."""

    offset: int
