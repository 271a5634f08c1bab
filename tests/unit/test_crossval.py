"""Deterministic, stratified k-fold and leave-one-out splits, and out-of-fold predictions."""

from __future__ import annotations

from collections import Counter

import pytest

from streams.tools.crossval import fold_assignment, kfold, leave_one_out, out_of_fold

ITEMS = [f"{n:02d}.txt" for n in range(1, 21)]
LABELS = ["supportive"] * 6 + ["neutral"] * 8 + ["critical"] * 6


def test_every_item_is_tested_exactly_once_and_never_trained_on_in_its_fold() -> None:
    folds = kfold(ITEMS, k=5, seed=3)
    tested = [item for fold in folds for item in fold.test]
    assert sorted(tested) == ITEMS
    for fold in folds:
        assert not set(fold.train) & set(fold.test)
        assert sorted(fold.train + fold.test) == ITEMS
        assert [ITEMS[i] for i in fold.test_indices] == fold.test
    assert sorted(len(fold.test) for fold in folds) == [4, 4, 4, 4, 4]


def test_splits_are_deterministic_for_a_seed_and_change_with_it() -> None:
    first = [fold.test for fold in kfold(ITEMS, k=4, labels=LABELS, seed=7)]
    again = [fold.test for fold in kfold(ITEMS, k=4, labels=LABELS, seed=7)]
    other = [fold.test for fold in kfold(ITEMS, k=4, labels=LABELS, seed=8)]
    assert first == again
    assert first != other


def test_stratified_folds_keep_each_label_spread_evenly() -> None:
    k = 3
    assignment = fold_assignment(len(ITEMS), k, LABELS, seed=1)
    for label in set(LABELS):
        per_fold = Counter(f for f, lab in zip(assignment, LABELS) if lab == label)
        counts = [per_fold.get(f, 0) for f in range(k)]
        assert max(counts) - min(counts) <= 1, (label, counts)
    sizes = Counter(assignment)
    assert max(sizes.values()) - min(sizes.values()) <= 1


def test_leave_one_out_tests_each_item_alone_in_order() -> None:
    folds = leave_one_out(ITEMS[:4])
    assert [fold.test for fold in folds] == [[item] for item in ITEMS[:4]]
    assert folds[2].train == [ITEMS[0], ITEMS[1], ITEMS[3]]


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        kfold(ITEMS, k=1)
    with pytest.raises(ValueError):
        kfold(ITEMS[:3], k=4)
    with pytest.raises(ValueError):
        kfold(ITEMS, k=2, labels=LABELS[:5])
    with pytest.raises(ValueError):
        leave_one_out(ITEMS[:1])


def test_out_of_fold_predictions_never_see_their_own_item() -> None:
    values = {item: float(n) for n, item in enumerate(ITEMS)}

    def fit(train: list[str]) -> float:
        return sum(values[item] for item in train) / len(train)

    def score(mean: float, test: list[str]) -> list[tuple[str, float]]:
        return [(item, mean) for item in test]

    predictions = out_of_fold(ITEMS, fit, score, k=5, labels=LABELS, seed=0)
    assert [item for item, _ in predictions] == ITEMS  # aligned with the input
    total = sum(values.values())
    # leave-one-out: the mean of the others, exactly
    loo = out_of_fold(ITEMS, fit, score, k=None)
    for item, mean in loo:
        assert mean == pytest.approx((total - values[item]) / (len(ITEMS) - 1))
    # k-fold: each prediction is the mean of the training part of the fold that tests it
    for fold in kfold(ITEMS, k=5, labels=LABELS, seed=0):
        expected = fit(fold.train)
        for index in fold.test_indices:
            assert predictions[index][1] == pytest.approx(expected)


def test_out_of_fold_refuses_a_score_that_drops_items() -> None:
    with pytest.raises(ValueError):
        out_of_fold(ITEMS, lambda train: None, lambda params, test: test[:-1], k=4)
