"""Stage 1: clean an article, find its sentences and build their matching forms."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from models import Chrome, NormalisedArticle, RawArticle, Sentence
from streams.errors import ArticleTooLarge, EmptyArticle, NotArabic
from streams.knowledge import load_knowledge
from streams.knowledge.chrome import ChromePatterns
from streams.text.chrome import content_lines, find_chrome
from streams.text.matchform import fold
from streams.text.script import detect_language
from streams.text.sentences import reads_as_heading, split_sentences

#: Default largest article, in characters of text (see ``MARSAD_MAX_ARTICLE_CHARS``).
DEFAULT_MAX_CHARS = 200_000

if TYPE_CHECKING:
    from streams.stages.spec import StageContext



def run(raw: RawArticle, context: StageContext) -> NormalisedArticle:
    """The stage as its spec runs it: limits and chrome patterns from the context."""
    return normalise(raw, max_chars=context.max_chars, chrome_patterns=context.knowledge.chrome)


def normalise(
    raw: RawArticle, *, max_chars: int = DEFAULT_MAX_CHARS, chrome_patterns: ChromePatterns | None = None
) -> NormalisedArticle:
    """Turn a raw article into a normalised one; raise ``ArticleRejected`` when it is unusable."""
    text = _document_text(raw)
    if len(text) > max_chars:
        raise ArticleTooLarge(f"article has {len(text)} characters, the limit is {max_chars}")
    chrome = find_chrome(text, chrome_patterns or load_knowledge().chrome)
    body = _without(text, chrome)
    language = detect_language(body)
    if language == "und":
        raise EmptyArticle("article has no text to analyse (fewer than 20 letters)")
    if language != "ar":
        raise NotArabic(f"article is not in Arabic (detected {language!r})")

    lines = content_lines(text, chrome)
    title = raw.title
    if title is None and len(lines) > 1 and reads_as_heading(text[lines[0][0] : lines[0][1]]):
        title = text[lines[0][0] : lines[0][1]]
    sentences: list[Sentence] = []
    for line_start, line_end in lines:
        heading = reads_as_heading(text[line_start:line_end])
        for start, end in split_sentences(text, line_start, line_end):
            folded = fold(text[start:end])
            sentences.append(
                Sentence(start=start, end=end, norm=folded.text, shifts=list(folded.shifts), heading=heading)
            )
    content_hash = hashlib.sha256("\n".join(s.norm for s in sentences).encode()).hexdigest()
    return NormalisedArticle(
        id=raw.id or article_id(raw, content_hash),
        title=title,
        text=text,
        source=raw.source,
        published_at=raw.published_at,
        language=language,
        content_hash=content_hash,
        sentences=sentences,
        chrome=chrome,
    )


def article_id(raw: RawArticle, content_hash: str) -> str:
    """A stable id from the source and the normalised content: replays map to the same id."""
    origin = raw.source.url or raw.source.name or ""
    return hashlib.sha256(f"{origin}\n{content_hash}".encode()).hexdigest()[:20]


def _document_text(raw: RawArticle) -> str:
    """The text offsets refer to: the article text, led by its title when that is separate."""
    title = (raw.title or "").strip()
    if title and not raw.text.lstrip().startswith(title):
        return f"{title}\n{raw.text}"
    return raw.text


def _without(text: str, chrome: list[Chrome]) -> str:
    if not chrome:
        return text
    parts, last = [], 0
    for span in chrome:
        parts.append(text[last : span.start])
        last = span.end
    parts.append(text[last:])
    return "".join(parts)
