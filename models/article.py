"""Articles as they enter the pipeline and as the normaliser leaves them."""

from __future__ import annotations

from datetime import datetime

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from models.base import SCHEMA_VERSION, ArticleId, Record


class Source(BaseModel):
    """Where an article came from; ``file`` is kept when it was read from a file."""

    model_config = ConfigDict(extra="ignore")  # like top-level records: newer minor versions may add fields

    name: str | None = Field(None, description="Name of the outlet that published the article")
    url: str | None = Field(None, description="URL of the article")
    file: str | None = Field(None, description="Name of the file the article was read from")


class RawArticle(Record):
    """An article as published to ``marsad.articles.raw``.

    ``id`` is optional on input: the normaliser derives a stable one from the source and
    the normalised text, so a replay of the same article maps to the same id.
    """

    record_name = "raw"

    schema_version: str = Field(SCHEMA_VERSION, description="Version of the record schema (major.minor)")
    id: ArticleId | None = Field(
        None, description="Article id (1-128 of A-Z a-z 0-9 . _ : -, first a letter or digit); derived by the normaliser when absent"
    )
    title: str | None = Field(None, description="Headline")
    text: str = Field(description="The article text as published (UTF-8)")
    source: Source = Field(default_factory=Source, description="Where the article came from")
    published_at: datetime | None = Field(None, description="Publication time (ISO 8601), if known")
    language: str | None = Field(None, description="Language (ISO 639-1); the normaliser detects it when absent")


class Chrome(BaseModel):
    """Page chrome in an article (navigation, datelines, share buttons): ``[start, end)``
    of the text, the text itself, and the pattern of ``knowledge/chrome.yaml`` that found it."""

    model_config = ConfigDict(extra="ignore")

    text: str = Field(description="The removed text")
    start: int = Field(description="Start offset in the article text")
    end: int = Field(description="End offset (exclusive) in the article text")
    pattern: str = Field(description="Name of the chrome pattern that removed it")


class Sentence(BaseModel):
    """A sentence of the original text and its matching form.

    ``start``/``end`` index the article ``text``. ``norm`` is the matching form (see
    ``streams.text.matchform``); ``shifts`` maps it back: each pair ``(i, d)`` says that
    from ``norm`` index ``i`` on, the original offset is ``start + i + d``.
    """

    model_config = ConfigDict(extra="ignore")

    start: int = Field(description="Start offset of the sentence in the article text")
    end: int = Field(description="End offset (exclusive) of the sentence in the article text")
    norm: str = Field(description="The sentence's matching form (folded)")
    shifts: list[tuple[int, int]] = Field(
        default_factory=list, description="Pairs (i, d): from norm index i on, the original offset is start + i + d"
    )
    heading: bool = Field(False, description="True for the headline")


class NormalisedArticle(Record):
    """The normaliser's output: original text untouched, sentences, chrome.

    The text without its chrome is no field here: it follows from ``text`` and
    ``chrome`` (``streams.text.chrome.clean_text``), and only the published record
    carries it (``EnrichedArticle.clean_text``).
    """

    record_name = "normalised"

    schema_version: str = Field(SCHEMA_VERSION, description="Version of the record schema (major.minor)")
    id: ArticleId = Field(description="Stable article id (from the source and the normalised text); the message key")
    title: str | None = Field(None, description="Headline")
    text: str = Field(description="The original text, untouched (all offsets index it)")
    source: Source = Field(default_factory=Source, description="Where the article came from")
    published_at: datetime | None = Field(None, description="Publication time (ISO 8601), if known")
    language: str = Field(description="Language (ISO 639-1)")
    content_hash: str = Field(description="Hash of the normalised text (replays map to the same id)")
    sentences: list[Sentence] = Field(description="The sentences of the text, with their matching forms")
    chrome: list[Chrome] = Field(
        default_factory=list,
        validation_alias=AliasChoices("chrome", "boilerplate"),
        description="The page chrome the normaliser removed (read also from `boilerplate`, its name before 1.1)",
    )
