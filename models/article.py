"""Articles as they enter the pipeline and as the normaliser leaves them."""

from __future__ import annotations

from datetime import datetime

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from models.base import SCHEMA_VERSION, Record


class Source(BaseModel):
    """Where an article came from; ``file`` is kept when it was read from a file."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    url: str | None = None
    file: str | None = None


class RawArticle(Record):
    """An article as published to ``marsad.articles.raw``.

    ``id`` is optional on input: the normaliser derives a stable one from the source and
    the normalised text, so a replay of the same article maps to the same id.
    """

    record_name = "raw"

    schema_version: str = SCHEMA_VERSION
    id: str | None = None
    title: str | None = None
    text: str
    source: Source = Field(default_factory=Source)
    published_at: datetime | None = None
    language: str | None = None


class Chrome(BaseModel):
    """Page chrome in an article (navigation, datelines, share buttons): ``[start, end)``
    of the text, the text itself, and the pattern of ``knowledge/chrome.yaml`` that found it."""

    model_config = ConfigDict(extra="forbid")

    text: str
    start: int
    end: int
    pattern: str


class Sentence(BaseModel):
    """A sentence of the original text and its matching form.

    ``start``/``end`` index the article ``text``. ``norm`` is the matching form (see
    ``streams.text.matchform``); ``shifts`` maps it back: each pair ``(i, d)`` says that
    from ``norm`` index ``i`` on, the original offset is ``start + i + d``.
    """

    model_config = ConfigDict(extra="forbid")

    start: int
    end: int
    norm: str
    shifts: list[tuple[int, int]] = Field(default_factory=list)
    heading: bool = False


class NormalisedArticle(Record):
    """The normaliser's output: original text untouched, clean text, sentences, chrome."""

    record_name = "normalised"

    schema_version: str = SCHEMA_VERSION
    id: str
    title: str | None = None
    text: str
    clean_text: str
    source: Source = Field(default_factory=Source)
    published_at: datetime | None = None
    language: str
    content_hash: str
    sentences: list[Sentence]
    #: Page chrome the normaliser cut away (read also from ``boilerplate``, its name before 1.1).
    chrome: list[Chrome] = Field(default_factory=list, validation_alias=AliasChoices("chrome", "boilerplate"))
