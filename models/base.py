"""The record base class: strict pydantic models that travel as plain UTF-8 JSON."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Self, cast

import orjson
from pydantic import BaseModel, ConfigDict, StringConstraints

#: Version of the record schemas. Bump the major part on a breaking change: a reader
#: dead-letters records whose major version it does not know.
# 1.1: NormalisedArticle.boilerplate is now chrome (both read).
# 1.2: clean_text only on the enriched record; the internal records (normalised, entities,
#      events) no longer carry it. Readers ignore it on older records; a 1.1 reader refuses
#      a 1.2 internal record, so a running pipeline upgrades from its last stage back.
# 1.3: the internal events record gives each event's evidence sentence by its offsets
#      (``EventFound``); the enriched record still writes it out. Same upgrade order.
SCHEMA_VERSION = "1.3"


#: An article id: 1 to 128 ASCII letters, digits and ``. _ : -``, starting with a letter or a
#: digit. Ids are message keys and publish-once keys; anything else (control characters,
#: spaces, non-ASCII, overlong) is refused, and the article dead-lettered.
ARTICLE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"
ArticleId = Annotated[str, StringConstraints(pattern=ARTICLE_ID_PATTERN)]


class UnknownSchemaVersion(ValueError):
    """A record announces a schema version this code cannot read."""


class Record(BaseModel):
    """Base of every topic record: JSON in, JSON out; unknown fields from newer minor versions are ignored."""

    model_config = ConfigDict(extra="ignore")

    #: Topic-facing name of the record, used in the schema export.
    record_name: ClassVar[str] = "record"

    def to_json(self) -> bytes:
        """Serialise to compact UTF-8 JSON (no Faust metadata, no nulls dropped)."""
        return orjson.dumps(self.model_dump(mode="json"))

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def built_from(cls, earlier: Record, **fields: Any) -> Self:
        """The next stage's record: ``earlier``'s fields, then ``fields``, stamped with this
        code's schema version (the version of the code that wrote it, whatever the input's).

        Not validated: a stage builds it from a validated record and parts it made itself.
        """
        built = cls.model_construct(**{**dict(earlier), **fields, "schema_version": SCHEMA_VERSION})
        return cast(Self, built)  # the pydantic plugin types model_construct by the defining class

    @classmethod
    def from_json(cls, data: bytes | str) -> Self:
        """Parse JSON bytes; raises ``orjson.JSONDecodeError`` or ``pydantic.ValidationError``."""
        return cls.from_dict(orjson.loads(data))

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        check_schema_version(data)
        return cls.model_validate(data)


def check_schema_version(data: Any) -> None:
    """Refuse records written by an incompatible (unknown major) schema version."""
    if not isinstance(data, dict):
        return
    version = data.get("schema_version")
    if version is None:
        return
    major = str(version).split(".", 1)[0]
    if major != SCHEMA_VERSION.split(".", 1)[0]:
        raise UnknownSchemaVersion(
            f"schema_version {version!r} is not readable by this pipeline (reads {SCHEMA_VERSION})"
        )
