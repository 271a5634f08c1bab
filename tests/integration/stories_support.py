"""Articles written for the stories tests (our own wording): one meeting, reported three times.

Three outlets report the same meeting of the Turkish foreign minister and the Libyan prime
minister in Ankara on consecutive days; a fourth article reports the same two meeting
again, five weeks later. ``meeting_articles(prefix)`` returns them with ids of their own.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from models import PloverEvent, RawArticle
from streams.stages.pipeline import default_context, process_article
from streams.stages.plover import plover_events

#: id suffix → (outlet, URL, publication time, text)
MEETING = {
    "jazeera": (
        "الجزيرة", "https://www.aljazeera.net/news/politics/meeting-1", "2026-03-10T09:00:00+00:00",
        "التقى وزير الخارجية التركي هاكان فيدان رئيس حكومة الوحدة الوطنية عبد الحميد الدبيبة في أنقرة "
        "يوم الاثنين، وبحث الجانبان تطورات الأوضاع في ليبيا والتعاون بين البلدين.",
    ),
    "arabiya": (
        "العربية", "https://www.alarabiya.net/arab-and-world/meeting-2", "2026-03-10T12:30:00+00:00",
        "اجتمع رئيس حكومة الوحدة الوطنية الليبية عبد الحميد الدبيبة مع وزير الخارجية التركي هاكان فيدان "
        "في أنقرة يوم الاثنين، وتناول الاجتماع الأوضاع السياسية في طرابلس.",
    ),
    "anadolu": (
        "الأناضول", "https://www.aa.com.tr/ar/politics/meeting-3", "2026-03-11T07:15:00+00:00",
        "استقبل وزير الخارجية التركي هاكان فيدان في أنقرة أمس رئيس حكومة الوحدة الوطنية الليبية "
        "عبد الحميد الدبيبة، وتناول اللقاء العلاقات الثنائية.",
    ),
}
#: The same parties meet again five weeks later (another story).
LATER = (
    "الجزيرة", "https://www.aljazeera.net/news/politics/meeting-4", "2026-04-14T09:00:00+00:00",
    "التقى وزير الخارجية التركي هاكان فيدان رئيس حكومة الوحدة الوطنية عبد الحميد الدبيبة في أنقرة "
    "يوم الاثنين، وناقشا ملف الانتخابات الليبية.",
)


def _article(article_id: str, outlet: str, url: str, published: str, text: str) -> RawArticle:
    return RawArticle.from_dict(
        {"id": article_id, "title": "لقاء في أنقرة", "text": text, "published_at": published,
         "source": {"name": outlet, "url": url}, "language": "ar"}
    )


def meeting_articles(prefix: str) -> list[RawArticle]:
    """The three reports of the meeting, ids ``{prefix}-{outlet}``."""
    return [_article(f"{prefix}-{name}", *fields) for name, fields in MEETING.items()]


def later_article(prefix: str) -> RawArticle:
    return _article(f"{prefix}-later", *LATER)


def plover_of(articles: list[RawArticle]) -> list[PloverEvent]:
    """The PLOVER records the events stage publishes for ``articles`` (the offline path)."""
    context = default_context()
    events: list[PloverEvent] = []
    for article in articles:
        events += plover_events(process_article(article, context), context.pipeline_version)
    return events


def many_meetings(prefix: str, count: int) -> list[PloverEvent]:
    """``count`` meetings ten days apart, each reported by the three outlets: the base
    meeting's PLOVER records with ids, dates and publication times moved (synthetic volume)."""
    base = plover_of(meeting_articles("base"))
    events = []
    for number in range(count):
        shift = timedelta(days=10 * number)
        for event in base:
            article_id = event.article_id.replace("base", f"{prefix}-{number}", 1)
            published = datetime.fromisoformat(event.cite_info.published_at) + shift  # type: ignore[arg-type]
            day = (datetime.fromisoformat(event.date) + shift).date().isoformat()
            events.append(
                event.model_copy(
                    update={
                        "id": event.id.replace("base", f"{prefix}-{number}", 1),
                        "article_id": article_id,
                        "date": day,
                        "cite_info": event.cite_info.model_copy(
                            update={"article_id": article_id, "published_at": published.isoformat()}
                        ),
                    }
                )
            )
    return events
