"""Entities: outlets cited by a quoted name after their kind, on sentences written for these tests."""

from __future__ import annotations

from models import EnrichedArticle
from streams.stages.outlets import find_quoted_outlets
from streams.text.matchform import fold_phrase

KINDS = frozenset(map(fold_phrase, ["صحيفة", "قناة", "موقع", "تلفزيون"]))


def _orgs(article: EnrichedArticle) -> dict[str, list[str]]:
    return {e.canonical: [m.text for m in e.mentions] for e in article.entities if e.type == "ORG"}


def test_the_quoted_name_after_the_kind_of_outlet_is_found_without_its_quotes() -> None:
    norm = fold_phrase('ونقلت قناة "الوادي الأخضر" عن مصدر أمني، كما ذكر لموقع « نجمة الصحراء » أن الوفد وصل.')
    found = [norm[o.start : o.end] for o in find_quoted_outlets(norm, KINDS)]
    assert found == [fold_phrase("الوادي الأخضر"), fold_phrase("نجمة الصحراء")]


def test_a_long_quotation_or_a_quote_without_a_kind_word_is_no_outlet() -> None:
    long_quote = fold_phrase('وقال موقع "إن الحكومة لن تتراجع عن قرارها الأخير أبدا" في تقرير.')
    assert find_quoted_outlets(long_quote, KINDS) == []
    no_kind = fold_phrase('وقال المتحدث "الوضع هادئ" ثم غادر القاعة.')
    assert find_quoted_outlets(no_kind, KINDS) == []


def test_an_unknown_quoted_outlet_is_an_unlinked_organisation(analyse) -> None:
    article = analyse('وبثت قناة "الوادي الأخضر" الليبية صورا للاجتماع في بنغازي مساء الاثنين.')
    orgs = _orgs(article)
    assert orgs.get("الوادي الأخضر") == ["الوادي الأخضر"]
    outlet = next(e for e in article.entities if e.canonical == "الوادي الأخضر")
    assert not outlet.linked
    mention = outlet.mentions[0]
    assert article.text[mention.start : mention.end] == "الوادي الأخضر"


def test_a_known_outlet_in_quotes_links_with_its_kind_word(analyse) -> None:
    # the knowledge base knows "صحيفة أحوال"; in quotes only the bare name stands after the kind
    article = analyse('وأفادت صحيفة “أحوال” بأن الشركة فازت بعقود جديدة في ليبيا هذا العام.')
    assert "أحوال" in _orgs(article).get("Ahval", [])
    assert all(e.linked for e in article.entities if e.type == "ORG")


def test_a_byline_or_dateline_between_headline_and_prose_names_nothing(analyse) -> None:
    text = (
        "تقارب جديد بين القاهرة وأنقرة\n"
        "الأناضول ووكالات\n"
        "تونس\n"
        "أعلنت وزارة الخارجية المصرية أن وفدا تركيا يزور العاصمة المصرية الأسبوع المقبل لبحث الملفات الإقليمية.\n"
        "الأناضول\n"
        "وقالت الوزارة إن المحادثات ستتناول الوضع في ليبيا والسودان."
    )
    article = analyse(text)
    canonicals = {e.canonical for e in article.entities}
    assert "Tunisia" not in canonicals
    # the outlet on a short line further down is a subheading of the article, and counts
    anadolu = next(e for e in article.entities if e.canonical == "Anadolu Agency")
    assert [m.start for m in anadolu.mentions] == [text.rindex("الأناضول")]
    assert "Libya" in canonicals


def test_a_quoted_name_a_statement_was_given_to_is_an_outlet_only_when_known_as_one(analyse) -> None:
    # the knowledge base knows "صحيفة المرصد"; the bare quoted name after لـ links to it
    article = analyse('وقال المتحدث العسكري لـ"المرصد" إن الدفاعات الجوية أسقطت طائرة مسيرة قرب المدينة.')
    assert "المرصد" in _orgs(article).get("Al Marsad (Libyan newspaper)", [])
    # a quoted phrase after لـ that names no known outlet is left alone
    article = analyse('ووجه الوزير انتقادات لـ"المجموعات المسلحة" في العاصمة.')
    assert not [e for e in article.entities if e.canonical == "المجموعات المسلحة"]


def test_an_outlet_whose_bare_name_is_a_common_word_needs_its_kind_word(analyse) -> None:
    article = analyse("ونقلت قناة الحرة عن مصدر ليبي أن الاجتماع تأجل، وأن الأجواء الحرة للنقاش غابت عنه.")
    alhurra = next(e for e in article.entities if e.canonical == "Alhurra")
    assert [m.text for m in alhurra.mentions] == ["قناة الحرة"]


def test_the_bylines_author_is_no_person_of_the_article(analyse) -> None:
    text = (
        "تركيا تعزز حضورها في شرق المتوسط\n"
        "كتب: سامي الورفلي\n"
        "قال المحلل السياسي كمال الترهوني إن أنقرة تسعى إلى توسيع نفوذها في ليبيا خلال الأشهر المقبلة.\n"
        "وأضاف الترهوني أن الحوار مستمر."
    )
    people = {e.canonical for e in analyse(text).entities if e.type == "PER"}
    assert "سامي الورفلي" not in people
    assert "كمال الترهوني" in people


def test_the_matter_is_no_title_and_a_code_tail_is_no_name(analyse) -> None:
    # folded, "الآمر" (the commander) is "الأمر" (the matter): no title
    article = analyse("وقد يكون الأمر مرتبطا بحسابات داخلية لدى الطرفين في هذه المرحلة.")
    assert not [e for e in article.entities if e.type == "PER"]
    # the tail of a hyphenated registration is no Latin-script name
    article = analyse("تحطمت الطائرة ذات التسجيل 9H-XYZ بعد الإقلاع من المطار.")
    assert "XYZ" not in {e.canonical for e in article.entities}


def test_a_dateline_with_its_source_and_a_captions_credit_name_nothing(analyse) -> None:
    text = (
        "مباحثات ليبية تركية في العاصمة\n"
        "عواصم – بنغازي : وكالات\n"
        "  أخبار طبرق -\n"
        "بحث وفد من مدينة مصراتة مع مسؤولين أتراك سبل التعاون في مجالات الطاقة والبناء خلال الأسبوع الجاري.\n"
        "صورة من الاجتماع في القاعة الكبرى - الأناضول\n"
        "وأكد الجانبان أهمية استمرار التنسيق."
    )
    canonicals = {e.canonical for e in analyse(text).entities}
    assert "Benghazi" not in canonicals  # only in the dateline
    assert "Tobruk" not in canonicals  # only in the name of the page's outlet
    assert "Anadolu Agency" not in canonicals  # only as a caption's credit
    assert "Misrata" in canonicals


def test_a_headline_of_names_joined_by_and_keeps_its_mentions(analyse) -> None:
    # only agency words (وكالات، ووكالات) make a short line a byline, not a bare و between names
    text = (
        "مصر واليونان\n"
        "أجرى وزير الخارجية المصري اتصالا بنظيره اليوناني لبحث الوضع في شرق المتوسط وليبيا.\n"
        "وقال الوزيران إن التنسيق سيستمر."
    )
    article = analyse(text)
    greece = next(e for e in article.entities if e.canonical == "Greece")
    assert text.index("اليونان") in [m.start for m in greece.mentions]


def test_a_verb_after_a_title_names_nobody(analyse) -> None:
    # the event triggers' verb forms, with the future س, are no name after a title
    article = analyse("وقال المتحدث إن الوزير سيزور أنقرة الأسبوع المقبل لبحث التعاون.")
    assert not [e for e in article.entities if e.type == "PER"]
    article = analyse("وأوضح البيان أن الرئيس سيلتقي نظيره في العاصمة غدا.")
    assert not [e for e in article.entities if e.type == "PER"]
