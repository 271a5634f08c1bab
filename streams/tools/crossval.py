"""Cross-validation for anything fitted on the annotated articles (stance weights, thresholds).

A figure measured on the articles a parameter was fitted on says little about the ~34
articles we never see; an out-of-fold figure does. The helpers here are deterministic
(a seeded shuffle, no global random state) and know nothing about what an item is: pass
article paths, gold dicts or enriched records.

Splitting::

    folds = kfold(paths, k=5, labels=[gold[p.name]["stance"]["label"] for p in paths], seed=0)
    for fold in folds:
        fold.train, fold.test          # lists of items; every item is in exactly one test set
    leave_one_out(paths)               # len(paths) folds of one test item each

With ``labels`` the folds are stratified: each label's items are dealt round-robin over
the folds, so every fold holds about the same share of supportive / neutral / critical.
The result depends only on the items' order, ``k``, ``labels`` and ``seed``; pass the items
in a stable order (e.g. ``sorted(paths)``).

Out-of-fold predictions::

    def fit(train: list[Path]) -> Params: ...                      # fit on the training articles only
    def score(params: Params, test: list[Path]) -> list[Result]: ... # one result per test article, in order

    predictions = out_of_fold(paths, fit, score, k=5, labels=labels, seed=0)
    # predictions[i] is the result for paths[i], made by params fitted without paths[i]

``k=None`` (or ``k == len(items)``) is leave-one-out.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

Item = TypeVar("Item")
Params = TypeVar("Params")
Result = TypeVar("Result")


@dataclass(frozen=True)
class Fold(Generic[Item]):
    """One split: ``test_indices`` index the items given to :func:`kfold`."""

    index: int
    train: list[Item]
    test: list[Item]
    train_indices: list[int]
    test_indices: list[int]


def fold_assignment(count: int, k: int, labels: Sequence[Hashable] | None = None, seed: int = 0) -> list[int]:
    """The fold (0..k-1) of each of ``count`` items; stratified by ``labels`` when given."""
    if not 2 <= k <= count:
        raise ValueError(f"k must be between 2 and the number of items ({count}), got {k}")
    if labels is not None and len(labels) != count:
        raise ValueError(f"{len(labels)} labels for {count} items")
    rng = random.Random(seed)
    groups: dict[Hashable, list[int]] = {}
    for index in range(count):
        groups.setdefault(labels[index] if labels is not None else None, []).append(index)
    assignment = [0] * count
    position = 0  # carried across labels so that fold sizes stay within one of each other
    for key in sorted(groups, key=repr):
        members = groups[key]
        rng.shuffle(members)
        for member in members:
            assignment[member] = position % k
            position += 1
    return assignment


def kfold(items: Sequence[Item], k: int, labels: Sequence[Hashable] | None = None, seed: int = 0) -> list[Fold[Item]]:
    """``k`` folds over ``items``, stratified by ``labels`` when given, shuffled with ``seed``."""
    assignment = fold_assignment(len(items), k, labels, seed)
    folds = []
    for fold in range(k):
        test = [i for i, f in enumerate(assignment) if f == fold]
        train = [i for i, f in enumerate(assignment) if f != fold]
        folds.append(Fold(fold, [items[i] for i in train], [items[i] for i in test], train, test))
    return folds


def leave_one_out(items: Sequence[Item]) -> list[Fold[Item]]:
    """One fold per item, in the items' order: fold ``i`` tests ``items[i]``."""
    if len(items) < 2:
        raise ValueError("leave-one-out needs at least two items")
    return [
        Fold(i, [x for j, x in enumerate(items) if j != i], [items[i]], [j for j in range(len(items)) if j != i], [i])
        for i in range(len(items))
    ]


def out_of_fold(
    items: Sequence[Item],
    fit: Callable[[list[Item]], Params],
    score: Callable[[Params, list[Item]], Sequence[Result]],
    k: int | None = 5,
    labels: Sequence[Hashable] | None = None,
    seed: int = 0,
) -> list[Result]:
    """Each item's result from parameters fitted without it, in the order of ``items``.

    ``fit(train_items)`` returns parameters; ``score(params, test_items)`` returns one result
    per test item, in the order given. ``k=None`` or ``k == len(items)`` is leave-one-out.
    """
    folds = leave_one_out(items) if k is None or k == len(items) else kfold(items, k, labels, seed)
    results: list[Result | None] = [None] * len(items)
    filled = [False] * len(items)
    for fold in folds:
        params = fit(fold.train)
        predicted = list(score(params, fold.test))
        if len(predicted) != len(fold.test):
            raise ValueError(f"fold {fold.index}: score returned {len(predicted)} results for {len(fold.test)} items")
        for index, result in zip(fold.test_indices, predicted):
            results[index] = result
            filled[index] = True
    assert all(filled)
    return results  # type: ignore[return-value]
