"""camel-tools' BERT NER as an entity backend (optional: needs ``marsad[models]`` and its data).

Install: ``pip install 'marsad[models]'`` then ``camel_data -i ner-arabert`` (downloads the
model). Enable: ``MARSAD_ENTITY_BACKENDS=streams.backends.camel_ner:CamelNER``.
Recognised spans that the knowledge base also knows are linked through its matcher; the
rest are emitted unlinked with their surface form.
"""

from __future__ import annotations

import re

from models import Entity, Mention, NormalisedArticle
from streams.backends.base import BackendError
from streams.knowledge import load_knowledge
from streams.text.matchform import fold

_TYPES = {"PERS": "PER", "ORG": "ORG", "LOC": "LOC", "MISC": "MISC"}
_TOKEN = re.compile(r"\w+|[^\w\s]")


class CamelNER:
    name = "camel-ner"

    def __init__(self) -> None:
        try:
            from camel_tools.ner import NERecognizer
        except ImportError as error:  # pragma: no cover - depends on the optional stack
            raise BackendError("camel-tools NER needs `pip install 'marsad[models]'`") from error
        try:
            self._recognizer = NERecognizer.pretrained()
        except Exception as error:  # noqa: BLE001 - camel raises several kinds when data is missing
            raise BackendError(f"camel-tools NER model data is not installed: {error}") from error

    def entities(self, article: NormalisedArticle) -> list[Entity]:
        matcher = load_knowledge().actors
        found: dict[str, Entity] = {}
        for sentence in article.sentences:
            original = article.text[sentence.start : sentence.end]
            tokens = list(_TOKEN.finditer(original))
            labels = self._recognizer.predict_sentence([t.group() for t in tokens])
            span: list[re.Match[str]] = []
            kind = None
            for token, label in [*zip(tokens, labels), (None, "O")]:
                if span and (label == "O" or label.startswith("B-") or label[2:] != kind):
                    start, end = sentence.start + span[0].start(), sentence.start + span[-1].end()
                    surface = article.text[start:end]
                    linked = matcher.matcher.find(fold(surface).text)
                    actor = matcher.actors[linked[0].values[0].actor] if linked else None
                    canonical = actor.canonical if actor else surface
                    entity = found.setdefault(
                        canonical,
                        Entity(
                            canonical=canonical,
                            type=actor.type if actor else _TYPES.get(kind or "", "MISC"),  # type: ignore[arg-type]
                            camp=actor.camp if actor else None,
                            country=actor.country if actor else None,
                            code=actor.code if actor else None,
                            linked=actor is not None,
                            mentions=[],
                        ),
                    )
                    entity.mentions.append(Mention(text=surface, start=start, end=end))
                    span, kind = [], None
                if token is not None and label != "O":
                    span.append(token)
                    kind = label[2:]
        return list(found.values())
