"""Entities named by description rather than by name, on sentences written for these tests."""

from __future__ import annotations

from models import EnrichedArticle


def _canonical_of(article: EnrichedArticle, surface: str) -> str | None:
    start = article.text.index(surface)
    for entity in article.entities:
        for mention in entity.mentions:
            if mention.start <= start < mention.end:
                return entity.canonical
    return None


def test_the_memorandum_in_copy_on_oil_is_the_hydrocarbons_one(analyse) -> None:
    # the nisba of oil and hydrocarbons ("النفطي"، "الهيدروكربونية") is a cue of the topic too
    article = analyse("وقعت تركيا مع الحكومة الليبية مذكرة تفاهم في المجال النفطي، وسط اعتراض من مجلس النواب.")
    assert _canonical_of(article, "مذكرة تفاهم") == "Libya-Turkey hydrocarbons memorandum of understanding (2022)"
    article = analyse("انتقدت اليونان مذكرة التفاهم التركية الليبية بشأن الموارد الهيدروكربونية قبالة السواحل.")
    assert _canonical_of(article, "مذكرة التفاهم") == "Libya-Turkey hydrocarbons memorandum of understanding (2022)"
