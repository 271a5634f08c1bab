"""The stance calibration: fitting the few free parameters and measuring them out of fold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streams.knowledge import Knowledge
from streams.knowledge.files import load_yaml
from streams.knowledge.lexicons import StanceCalibration
from streams.stages.stance import CountedCue
from streams.tools.stance_calibration import (
    Example,
    calibration_yaml,
    cross_validate,
    figures,
    fit,
    neutral_start,
    pooled,
    objective,
    predict,
    run,
)


def _cue(family: str, weight: float, speech: str = "own", headline: bool = False) -> CountedCue:
    return CountedCue(family, weight, speech, headline, 0, 1, "x")


def _examples() -> list[Example]:
    """Supportive articles carry rival naming, critical ones hostile naming, neutral ones a title."""
    examples = []
    for i in range(4):
        examples.append(Example(f"s{i}", (_cue("rival_naming", 0.2 + 0.02 * i), _cue("naming", 0.1)), "supportive", 0.5))
        examples.append(Example(f"c{i}", (_cue("hostile_naming", -0.2 - 0.02 * i),), "critical", -0.5))
        examples.append(Example(f"n{i}", (_cue("naming", 0.1),) if i % 2 else (), "neutral", 0.0))
    return examples


def test_fit_separates_what_the_start_confuses(knowledge: Knowledge) -> None:
    lexicon = knowledge.stance
    examples = _examples()
    start = neutral_start(lexicon.squash)
    before = figures(examples, [predict(e, start, lexicon) for e in examples])
    fitted = fit(examples, lexicon, start)
    after = figures(examples, [predict(e, fitted, lexicon) for e in examples])
    assert before.accuracy < 1.0  # weak cues fall inside the default neutral band
    assert after.accuracy == 1.0
    assert objective(examples, fitted, lexicon) < objective(examples, start, lexicon)
    assert after.confusion["supportive"]["supportive"] == 4 and after.confusion["neutral"]["neutral"] == 4


def test_fit_is_deterministic(knowledge: Knowledge) -> None:
    lexicon = knowledge.stance
    start = neutral_start(lexicon.squash)
    assert fit(_examples(), lexicon, start) == fit(_examples(), lexicon, start)


def test_relay_factor_is_fitted_from_one_sided_quotes(knowledge: Knowledge) -> None:
    """Critical articles that only quote one side's accusations need the relay factor."""
    lexicon = knowledge.stance
    examples = [
        Example(f"q{i}", (_cue("hostile_naming", -0.4, speech="quoted"), _cue("framing", -0.3, speech="quoted")), "critical", -0.4)
        for i in range(3)
    ] + [Example(f"n{i}", (), "neutral", 0.0) for i in range(3)]
    fitted = fit(examples, lexicon, neutral_start(lexicon.squash))
    assert fitted.relay_factor > 0
    assert all(predict(e, fitted, lexicon)[0] == e.label for e in examples)


def test_cross_validation_scores_every_article_out_of_fold(knowledge: Knowledge) -> None:
    lexicon = knowledge.stance
    examples = _examples()
    start = neutral_start(lexicon.squash)
    result, predictions = cross_validate(examples, lexicon, start, folds=4)
    assert result.count == len(examples) == len(predictions)
    assert sum(sum(row.values()) for row in result.confusion.values()) == len(examples)
    loo, _ = cross_validate(examples, lexicon, start, folds=None)
    assert loo.count == len(examples)
    assert 0 <= loo.accuracy <= 1 and loo.mae >= 0


def test_calibration_yaml_round_trips(knowledge: Knowledge) -> None:
    calibration = knowledge.stance.calibration.model_copy(update={"fit": {"seed": 3}})
    text = calibration_yaml(calibration)
    assert text.startswith("#")
    assert StanceCalibration.model_validate(load_yaml(text)) == calibration


def _write_article(directory: Path, name: str, text: str, label: str, score: float) -> None:
    (directory / f"{name}.txt").write_text(text, encoding="utf-8")
    gold = {"article": f"{name}.txt", "entities": [], "events": [], "stance": {"label": label, "score": score}}
    (directory / f"{name}.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")


def test_command_fits_and_reports_on_articles_of_our_own(tmp_path: Path) -> None:
    texts = {
        "s1": ("وصلت دفعة من المرتزقة السوريين لدعم ميليشيات طرابلس في مواجهة الجيش.", "supportive", 0.5),
        "s2": ("تعتمد الحكومة المنتهية ولايتها على ميليشيات طرابلس والمرتزقة السوريين.", "supportive", 0.5),
        "c1": ("شنت ميليشيات حفتر هجوما جديدا على الأحياء الجنوبية للعاصمة صباح اليوم.", "critical", -0.5),
        "c2": ("قصفت قوات اللواء المتقاعد خليفة حفتر مواقع مدنية جنوب العاصمة أمس.", "critical", -0.5),
        "n1": ("التقى وزير الخارجية التركي نظيره الإيطالي في روما لبحث ملف الهجرة.", "neutral", 0.0),
        "n2": ("وقعت شركة تركية عقدا لبناء محطة كهرباء في مدينة مصراتة الساحلية.", "neutral", 0.0),
    }
    for name, (text, label, score) in texts.items():
        _write_article(tmp_path, name, text, label, score)
    report = run([tmp_path], tmp_path, folds=2, seed=0, write=False, repeats=1)
    assert "in-sample (fit on all 6)" in report
    assert "cross-validated (stratified 2-fold, seed 0)" in report
    repeated = run([tmp_path], tmp_path, folds=2, seed=0, write=False, repeats=3)
    assert "seeds 0-2 pooled" in repeated
    listed = run([tmp_path], tmp_path, folds=2, repeats=1, verbose=True)
    assert all(f"{name}.txt" in listed for name in texts)
    fit_only = run([tmp_path], tmp_path, folds=0)
    assert "in-sample" in fit_only and "cross-validated" not in fit_only
    assert "confusion, cross-validated" in report
    empty = tmp_path / "no-annotations"
    empty.mkdir()
    with pytest.raises(ValueError):
        run([tmp_path], empty, folds=2)


def test_pooled_figures_weigh_every_repeat(knowledge: Knowledge) -> None:
    lexicon = knowledge.stance
    examples = _examples()
    start = neutral_start(lexicon.squash)
    runs = [cross_validate(examples, lexicon, start, folds=4, seed=s)[0] for s in (0, 1)]
    both = pooled(runs)
    assert both.count == 2 * len(examples)
    assert both.accuracy == pytest.approx(sum(r.accuracy for r in runs) / 2)
    assert sum(sum(row.values()) for row in both.confusion.values()) == both.count
