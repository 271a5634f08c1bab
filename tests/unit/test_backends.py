"""The model-backend interface, exercised with small fake backends (no model stack needed)."""

from __future__ import annotations

import pytest

from models import Entity, EventsArticle, Mention, NormalisedArticle, RawArticle
from streams.backends import BackendError, Backends, load_backends
from streams.stages.pipeline import default_context, process_article

TEXT = "التقى وزير الخارجية التركي هاكان فيدان في طرابلس رئيس شركة نسيم للمقاولات لبحث مشاريع إعادة الإعمار في المدينة."
COMPANY = "شركة نسيم للمقاولات"


class FakeCompanies:
    """Finds one company name the knowledge base lacks, plus a span the KB already covers."""

    name = "fake-companies"

    def entities(self, article: NormalisedArticle) -> list[Entity]:
        found = []
        start = article.text.find(COMPANY)
        if start >= 0:
            found.append(Entity(canonical="Naseem Contracting", type="ORG", linked=False,
                                mentions=[Mention(text=COMPANY, start=start, end=start + len(COMPANY))]))
        fidan = article.text.find("هاكان فيدان")
        found.append(Entity(canonical="Somebody Else", type="PER", linked=False,
                            mentions=[Mention(text="هاكان فيدان", start=fidan, end=fidan + 11)]))
        return found


class FixedStance:
    name = "fixed-stance"

    def score(self, article: EventsArticle) -> float | None:
        return -1.0


class Abstains:
    name = "abstains"

    def score(self, article: EventsArticle) -> float | None:
        return None


def fake_companies() -> FakeCompanies:
    return FakeCompanies()


def not_a_backend() -> object:
    return object()


def test_entity_backend_adds_new_entities_and_never_overrides_the_knowledge_base() -> None:
    context = default_context(backends=Backends(entities=(FakeCompanies(),)))
    record = process_article(RawArticle(text=TEXT), context)
    names = {entity.canonical: entity for entity in record.entities}
    assert "Naseem Contracting" in names and not names["Naseem Contracting"].linked
    company = names["Naseem Contracting"].mentions[0]
    assert record.text[company.start : company.end] == COMPANY
    assert "Hakan Fidan" in names  # the knowledge base keeps its span
    assert "Somebody Else" not in names  # overlapping backend spans are dropped
    assert record.pipeline_version.endswith("+fake-companies")


def test_stance_backend_blends_with_its_weight_and_may_abstain() -> None:
    plain = process_article(RawArticle(text=TEXT)).stance.score
    blended = process_article(
        RawArticle(text=TEXT), default_context(backends=Backends(stance=FixedStance(), stance_weight=0.5))
    ).stance.score
    assert blended == pytest.approx(round(0.5 * plain - 0.5, 3), abs=1e-3)
    abstained = process_article(RawArticle(text=TEXT), default_context(backends=Backends(stance=Abstains()))).stance.score
    assert abstained == plain


def test_backends_load_from_import_paths() -> None:
    backends = load_backends([f"{__name__}:fake_companies"])
    assert [b.name for b in backends.entities] == ["fake-companies"]


@pytest.mark.parametrize(
    "path",
    ["no_such_module_anywhere:factory", f"{__name__}:missing_factory", "without-colon", f"{__name__}:not_a_backend"],
)
def test_bad_backend_paths_fail_clearly(path: str) -> None:
    with pytest.raises(BackendError):
        load_backends([path])


def test_camel_ner_backend_reports_missing_model_data_clearly() -> None:
    from streams.backends.camel_ner import CamelNER

    with pytest.raises(BackendError):
        CamelNER()


def test_workers_and_offline_runs_take_backends_from_the_settings() -> None:
    from streams.runtime.context import stage_context
    from streams.settings import Settings

    settings = Settings(entity_backends=f" {__name__}:fake_companies , ", stance_weight=0.25, pipeline_tag="t1")
    context = stage_context(settings)
    assert [b.name for b in context.backends.entities] == ["fake-companies"]
    assert context.backends.stance is None and context.backends.stance_weight == 0.25
    assert context.pipeline_version.endswith("+fake-companies.t1")
    enriched = process_article(RawArticle(text=TEXT), context)
    assert "Naseem Contracting" in {entity.canonical for entity in enriched.entities}
    assert stage_context(Settings()).backends.names == []


def test_a_backend_that_cannot_load_names_its_variable() -> None:
    from streams.runtime.context import stage_context
    from streams.settings import Settings

    with pytest.raises(BackendError, match="MARSAD_STANCE_BACKEND"):
        stage_context(Settings(stance_backend=f"{__name__}:missing_factory"))
