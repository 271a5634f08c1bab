"""Fit the stance score's few free parameters on annotated articles; measure them out of fold.

The cue lexicon (``knowledge/stance.yaml``) says which phrases count and with what sign and
relative weight; what it cannot say is how much each cue *family* is worth against the
others, how much a headline adds, how much a one-sided relay counts, and where neutral
ends. Those few numbers (five family factors, ``headline_factor``, ``relay_factor``,
``neutral_band``; ``squash`` stays fixed since the family factors already set the scale)
are fitted here by deterministic coordinate descent over small grids, minimising

    misclassified share + mean absolute score error + a small pull of each factor toward 1

and written to ``knowledge/stance_calibration.yaml``. Eight parameters against sixty
articles is a small model, but an in-sample figure still flatters it: the report gives the
k-fold (stratified by gold label, ``streams.tools.crossval``) or leave-one-out figures too, where
each article is scored with parameters fitted without it.

The articles run through the first three stages once; :func:`streams.stages.stance.combine`
then re-scores the cached cues under each candidate, so a full fit takes seconds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from streams.tools.crossval import out_of_fold
from streams.knowledge.lexicons import STANCE_FAMILIES, StanceCalibration, StanceLexicon
from streams.stages.stance import CountedCue, combine, find_cues, label_for

LABELS: tuple[str, ...] = ("supportive", "neutral", "critical")
FACTOR_GRID: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0)
HEADLINE_GRID: tuple[float, ...] = (1.0, 1.5, 2.0, 3.0)
RELAY_GRID: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.5)
#: Not below 0.2: one honorific in plain wire copy ("المشير خليفة حفتر", 0.2–0.25) must not
#: make an article supportive on its own.
BAND_GRID: tuple[float, ...] = tuple(round(0.2 + 0.025 * i, 3) for i in range(9))  # 0.2 … 0.4
#: Pull of each family factor toward 1 (per unit of squared log factor): a tie-breaker
#: against extreme factors, too small to outweigh one article.
PRIOR_STRENGTH = 0.01
MAX_SWEEPS = 12


@dataclass(frozen=True)
class Example:
    """One annotated article, reduced to what the stance score needs."""

    name: str
    cues: tuple[CountedCue, ...]
    label: str
    score: float


@dataclass(frozen=True)
class Figures:
    accuracy: float
    mae: float
    confusion: dict[str, dict[str, int]]  # gold label -> predicted label -> count
    count: int

    def as_dict(self) -> dict[str, Any]:
        return {"accuracy": round(self.accuracy, 4), "mae": round(self.mae, 4), "articles": self.count, "confusion": self.confusion}


def load_examples(paths: list[Path], gold: dict[str, dict[str, Any]], lexicon: StanceLexicon) -> list[Example]:
    """Run the stages before stance on every annotated article and keep its cues."""
    from streams.io.sources import iter_sources
    from models import EventsArticle
    from streams.stages.pipeline import default_context
    from streams.stages.spec import main_line

    context = default_context()
    examples: list[Example] = []
    for item in iter_sources(paths):
        article = item.article
        if article is None or article.source.file not in gold:
            continue
        record: Any = article
        for spec in main_line():  # the stages before the one that scores stance
            if isinstance(record, EventsArticle):
                break
            record = spec.run(record, context)  # type: ignore[misc]
        stance = gold[article.source.file]["stance"]
        examples.append(Example(article.source.file, tuple(find_cues(record, lexicon)), stance["label"], float(stance["score"])))
    if not examples:
        raise ValueError("no article matched a gold annotation")
    return sorted(examples, key=lambda example: example.name)


def neutral_start(squash: float) -> StanceCalibration:
    """Where every fit starts (the full fit and each fold's): no family favoured, no relay.

    The same fixed start for all fits keeps the folds honest: starting a fold from the
    values fitted on all articles would leak its test articles into it.
    """
    return StanceCalibration(
        squash=squash,
        neutral_band=0.3,
        headline_factor=1.0,
        relay_factor=0.0,
        family_factors={family: 1.0 for family in STANCE_FAMILIES},
    )


def predict(example: Example, calibration: StanceCalibration, lexicon: StanceLexicon) -> tuple[str, float]:
    score = round(combine(list(example.cues), calibration, lexicon)[0], 3)
    return label_for(score, calibration.neutral_band), score


def figures(examples: Sequence[Example], predictions: Sequence[tuple[str, float]]) -> Figures:
    confusion = {gold: {label: 0 for label in LABELS} for gold in LABELS}
    correct, error = 0, 0.0
    for example, (label, score) in zip(examples, predictions, strict=True):
        confusion[example.label][label] += 1
        correct += label == example.label
        error += abs(score - example.score)
    return Figures(correct / len(examples), error / len(examples), confusion, len(examples))


def objective(examples: Sequence[Example], calibration: StanceCalibration, lexicon: StanceLexicon) -> float:
    result = figures(examples, [predict(example, calibration, lexicon) for example in examples])
    prior = sum(math.log(max(f, 0.05)) ** 2 for f in calibration.family_factors.values())
    return (1 - result.accuracy) + result.mae + PRIOR_STRENGTH * prior


def _with(calibration: StanceCalibration, name: str, value: float) -> StanceCalibration:
    if name in STANCE_FAMILIES:
        return calibration.model_copy(update={"family_factors": {**calibration.family_factors, name: value}})
    return calibration.model_copy(update={name: value})


def _grids() -> list[tuple[str, tuple[float, ...]]]:
    return [(family, FACTOR_GRID) for family in STANCE_FAMILIES] + [
        ("headline_factor", HEADLINE_GRID),
        ("relay_factor", RELAY_GRID),
        ("neutral_band", BAND_GRID),
    ]


def fit(examples: Sequence[Example], lexicon: StanceLexicon, start: StanceCalibration) -> StanceCalibration:
    """Coordinate descent over the grids from ``start``; ties keep the current value."""
    current = start.model_copy(
        update={"family_factors": {family: start.factor(family) for family in STANCE_FAMILIES}, "fit": {}}
    )
    best = objective(examples, current, lexicon)
    for _ in range(MAX_SWEEPS):
        improved = False
        for name, grid in _grids():
            for value in grid:
                candidate = _with(current, name, value)
                loss = objective(examples, candidate, lexicon)
                if loss < best - 1e-9:
                    current, best, improved = candidate, loss, True
        if not improved:
            break
    return current


def cross_validate(
    examples: Sequence[Example], lexicon: StanceLexicon, start: StanceCalibration, folds: int | None, seed: int = 0
) -> tuple[Figures, list[tuple[str, float]]]:
    """Out-of-fold figures: each article scored by parameters fitted without it.

    ``folds=None`` is leave-one-out; otherwise stratified k-fold on the gold label.
    """
    items = list(examples)
    predictions = out_of_fold(
        items,
        lambda train: fit(train, lexicon, start),
        lambda params, test: [predict(example, params, lexicon) for example in test],
        k=folds,
        labels=[example.label for example in items],
        seed=seed,
    )
    return figures(items, predictions), predictions


def calibration_yaml(calibration: StanceCalibration) -> str:
    """The calibration file's text: a header, the fitted values, and how they scored."""
    data = calibration.model_dump()
    header = (
        "# Fitted stance parameters: written by `marsad calibrate-stance` (streams/tools/stance_calibration.py).\n"
        "# Do not edit by hand; re-run the command after changing knowledge/stance.yaml.\n"
        "# squash is fixed (the family factors set the scale); `fit` records the data and the figures.\n"
    )
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None)


def format_report(
    in_sample: Figures, cross: Figures | None, calibration: StanceCalibration, scheme: str, before: Figures | None = None
) -> str:
    lines = []
    if before is not None:
        lines.append(f"before (current calibration)  accuracy {before.accuracy:.3f}  MAE {before.mae:.3f}")
    lines.append(f"in-sample (fit on all {in_sample.count})  accuracy {in_sample.accuracy:.3f}  MAE {in_sample.mae:.3f}")
    if cross is not None:
        lines.append(f"cross-validated ({scheme})  accuracy {cross.accuracy:.3f}  MAE {cross.mae:.3f}")
    for title, result in (("in-sample", in_sample), (f"cross-validated ({scheme})", cross)):
        if result is None:
            continue
        lines += ["", f"confusion, {title} (rows gold, columns predicted)", f"{'':<12}" + "".join(f"{l:>12}" for l in LABELS)]
        lines += [f"{gold:<12}" + "".join(f"{result.confusion[gold][l]:>12}" for l in LABELS) for gold in LABELS]
    factors = ", ".join(f"{family} {calibration.factor(family):g}" for family in STANCE_FAMILIES)
    lines += [
        "",
        f"fitted: {factors}; headline_factor {calibration.headline_factor:g}; "
        f"relay_factor {calibration.relay_factor:g}; neutral_band {calibration.neutral_band:g}; squash {calibration.squash:g} (fixed)",
    ]
    return "\n".join(lines)


def fit_record(in_sample: Figures, cross: Figures | None, scheme: str, seed: int) -> dict[str, Any]:
    """What goes under ``fit`` in the calibration file."""
    record: dict[str, Any] = {
        "command": "marsad calibrate-stance <articles> --gold <annotations> --write",
        "seed": seed,
        "in_sample": in_sample.as_dict(),
    }
    if cross is not None:
        record["cross_validated"] = {"scheme": scheme, **cross.as_dict()}
    return record


def pooled(results: Sequence[Figures]) -> Figures:
    """Figures over several cross-validation repeats: every article counted once per repeat."""
    count = sum(r.count for r in results)
    confusion = {gold: {label: sum(r.confusion[gold][label] for r in results) for label in LABELS} for gold in LABELS}
    accuracy = sum(r.accuracy * r.count for r in results) / count
    mae = sum(r.mae * r.count for r in results) / count
    return Figures(accuracy, mae, confusion, count)


def run(
    paths: list[Path],
    gold_dir: Path,
    folds: int | None = 10,
    seed: int = 0,
    write: bool = False,
    repeats: int = 5,
    verbose: bool = False,
) -> str:
    """The ``calibrate-stance`` command: fit, cross-validate, report, optionally write.

    k-fold is repeated with seeds ``seed … seed+repeats-1`` and pooled: one split of sixty
    articles moves the figure by an article or two, the average over splits much less.
    """
    from streams.tools.evaluation import load_gold
    from streams.knowledge import load_knowledge

    lexicon = load_knowledge().stance
    examples = load_examples(paths, load_gold(gold_dir), lexicon)
    current = lexicon.calibration
    before = figures(examples, [predict(example, current, lexicon) for example in examples])
    start = neutral_start(current.squash)
    fitted = fit(examples, lexicon, start)
    in_sample = figures(examples, [predict(example, fitted, lexicon) for example in examples])
    loo = folds is None or folds >= len(examples)
    cross, scheme, per_seed = None, "none", ""
    if loo:
        scheme = "leave-one-out"
        cross, first = cross_validate(examples, lexicon, start, None)
    elif folds:
        seeds = list(range(seed, seed + max(1, repeats)))
        outcomes = [cross_validate(examples, lexicon, start, folds, s) for s in seeds]
        runs = [result for result, _ in outcomes]
        first = outcomes[0][1]
        cross = pooled(runs)
        scheme = f"stratified {folds}-fold, seed {seed}"
        if len(seeds) > 1:
            scheme = f"stratified {folds}-fold, seeds {seeds[0]}-{seeds[-1]} pooled"
            per_seed = ", ".join(f"{r.accuracy:.3f}/{r.mae:.3f}" for r in runs)
    fitted = fitted.model_copy(update={"fit": fit_record(in_sample, cross, scheme, seed)})
    report = format_report(in_sample, cross, fitted, scheme, before)
    if per_seed:
        report += f"\nper seed (accuracy/MAE): {per_seed}"
    if verbose:
        report += "\n\narticle        gold               in-sample          out of fold" + (" (first seed)" if per_seed else "")
        for i, example in enumerate(examples):
            label, score = predict(example, fitted, lexicon)
            line = f"{example.name:<14} {example.label:<10} {example.score:+.2f}   {label:<10} {score:+.2f}"
            if cross is not None:
                line += f"   {first[i][0]:<10} {first[i][1]:+.2f}" + ("   *" if first[i][0] != example.label else "")
            report += "\n" + line
        fitted.fit["cross_validated"]["per_seed"] = per_seed
    if write:
        target = Path(__file__).parent / "knowledge" / "stance_calibration.yaml"
        target.write_text(calibration_yaml(fitted), encoding="utf-8")
        report += f"\nwrote {target}"
    return report
