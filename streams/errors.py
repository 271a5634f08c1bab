"""Why an article cannot be processed: each error names a reason a dead letter carries."""

from __future__ import annotations


class ArticleRejected(Exception):
    """An article that no stage can process; the agents dead-letter it, the stream goes on."""

    reason = "rejected"


class EmptyArticle(ArticleRejected):
    reason = "empty"


class NotArabic(ArticleRejected):
    reason = "not_arabic"


class ArticleTooLarge(ArticleRejected):
    reason = "too_large"


class OverBudget(ArticleRejected):
    """A stage spent more than ``MARSAD_PROCESSING_BUDGET`` seconds on one article."""

    reason = "over_budget"
