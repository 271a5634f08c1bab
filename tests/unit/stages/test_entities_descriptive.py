"""Entities named by description rather than by name, on sentences written for these tests."""

from __future__ import annotations

from models import EnrichedArticle


def _canonical_of(article: EnrichedArticle, surface: str) -> str | None:
    start = article.text.index(surface)
    for entity in article.entities:
        for mention in entity.mentions:
            if mention.start <= start < mention.end:
                return entity.canonical
    return None


def test_the_memorandum_in_copy_on_oil_is_the_hydrocarbons_one(analyse) -> None:
    # the nisba of oil and hydrocarbons ("النفطي"، "الهيدروكربونية") is a cue of the topic too
    article = analyse("وقعت تركيا مع الحكومة الليبية مذكرة تفاهم في المجال النفطي، وسط اعتراض من مجلس النواب.")
    assert _canonical_of(article, "مذكرة تفاهم") == "Libya-Turkey hydrocarbons memorandum of understanding (2022)"
    article = analyse("انتقدت اليونان مذكرة التفاهم التركية الليبية بشأن الموارد الهيدروكربونية قبالة السواحل.")
    assert _canonical_of(article, "مذكرة التفاهم") == "Libya-Turkey hydrocarbons memorandum of understanding (2022)"


def test_a_body_named_inside_a_government_named_by_its_mandate_is_found_too(analyse) -> None:
    # the government's long name (a knowledge-base alias) holds a shorter one of itself,
    # which holds the parliament: both organisations are named
    article = analyse("رحب وزير في الحكومة الليبية المكلفة من مجلس النواب في طبرق بعودة الرحلات الجوية.")
    canonicals = {e.canonical for e in article.entities}
    assert {"Government of National Stability", "House of Representatives (Libya)"} <= canonicals
    # a city inside the name of a conference is no mention of the city
    article = analyse("شاركت الوفود في مؤتمر برلين حول ليبيا قبل أسابيع.")
    assert "Berlin" not in {e.canonical for e in article.entities}


def test_haftar_in_the_spelling_of_translated_copy(analyse) -> None:
    article = analyse("التقى المشير خليفة هافتار وفدا عسكريا في بنغازي، وحضر صدام هافتار جانبا من اللقاء.")
    assert _canonical_of(article, "خليفة هافتار") == "Khalifa Haftar"
    assert _canonical_of(article, "صدام هافتار") == "Saddam Haftar"


def test_turkish_bodies_and_firms_by_the_names_arabic_copy_gives_them(analyse) -> None:
    article = analyse("ناقش أردوغان خلال اجتماع الحكومة الرئاسية عقدا جديدا لشركة توسيالي في منطقة رأس المنقار.")
    assert _canonical_of(article, "الحكومة الرئاسية") == "Cabinet of Turkey"
    assert _canonical_of(article, "توسيالي") == "Tosyali Holding"
    assert _canonical_of(article, "رأس المنقار") == "Ras al-Manqar"


def test_the_tripoli_government_is_the_one_the_article_names(analyse) -> None:
    article = analyse(
        "قال عبد الحميد الدبيبة إن حكومته ماضية في خططها. وتواجه حكومة طرابلس انتقادات من البرلمان."
    )
    assert _canonical_of(article, "حكومة طرابلس") == "Government of National Unity"
    article = analyse("وقع فائز السراج الاتفاق في إسطنبول، ورحبت حكومة طرابلس بالدعم التركي.")
    assert _canonical_of(article, "حكومة طرابلس") == "Government of National Accord"
    # neither government named: the phrase is read as no government at all
    article = analyse("تواجه حكومة طرابلس ضغوطا متزايدة هذا الشهر.")
    assert _canonical_of(article, "حكومة طرابلس") is None
    governments = {"Government of National Unity", "Government of National Accord"}
    assert not governments & {e.canonical for e in article.entities}


def test_a_son_named_after_kinship_title_and_family_name(analyse) -> None:
    article = analyse("وأسندت المهمة إلى نجل المشير حفتر، صدام، الذي زار أنقرة مرتين هذا العام.")
    assert _canonical_of(article, "صدام") == "Saddam Haftar"


def _people(article: EnrichedArticle) -> set[str]:
    return {e.canonical for e in article.entities if e.type == "PER"}


def test_a_role_is_not_its_current_holder_when_another_holds_it_here(analyse) -> None:
    # a rank between the role and the name keeps the role the name's
    article = analyse("وصل رئيس الأركان العامة الفريق أول ركن محمد الحداد إلى أنقرة صباح الاثنين.")
    assert "Khalid Haftar" not in _people(article)
    assert "Mohammed al-Haddad" in _people(article)
    # the deputy of a minister is not the minister
    article = analyse("استقبل المسؤول الليبي نائب وزير الدفاع الروسي في مدينة بنغازي.")
    assert "Andrey Belousov" not in _people(article)
    # a role in apposition after a name is that person's, at the time of the report
    article = analyse("وقع أردوغان المذكرة مع فايز السراج، رئيس المجلس الرئاسي، في إسطنبول.")
    assert _canonical_of(article, "رئيس المجلس الرئاسي") == "Fayez al-Sarraj"
    assert "Mohamed al-Menfi" not in _people(article)
    # joined by و it is a second person
    article = analyse("استقبل أردوغان فايز السراج، ورئيس المجلس الرئاسي في القصر صباح اليوم.")
    assert _canonical_of(article, "رئيس المجلس الرئاسي") != "Fayez al-Sarraj"


def test_the_commander_of_the_libyan_army_is_haftar_unless_another_is_named(analyse) -> None:
    article = analyse("وقال قائد الجيش الليبي إن قواته لن تنسحب من مواقعها في الجنوب.")
    assert _canonical_of(article, "قائد الجيش الليبي") == "Khalifa Haftar"


def test_a_boundary_deal_is_the_maritime_deal_whatever_the_article_is_about(analyse) -> None:
    # no cue of any topic here, and the name reads the same under every topic
    article = analyse("انتقد البرلمان الليبي اتفاقية ترسيم الحدود التي وقعتها تركيا مع حكومة الوفاق.")
    assert _canonical_of(article, "اتفاقية ترسيم الحدود") == "Libya-Turkey maritime deal"
    # a generic name that reads differently by topic still needs one
    article = analyse("وقعت تركيا وليبيا مذكرة تفاهم جديدة خلال الزيارة.")
    assert _canonical_of(article, "مذكرة تفاهم") is None


def test_the_libyan_government_is_the_one_the_copy_recognises(analyse) -> None:
    article = analyse("أعلن أسامة حماد خطة جديدة، وقالت الحكومة الليبية إن التنفيذ يبدأ الشهر المقبل.")
    assert _canonical_of(article, "الحكومة الليبية") == "Government of National Stability"
    article = analyse("استقبل عبد الحميد الدبيبة الوفد، وأكدت الحكومة الليبية التزامها بالاتفاقات.")
    assert _canonical_of(article, "الحكومة الليبية") == "Government of National Unity"
    article = analyse("قالت الحكومة الليبية إنها تتابع الوضع عن كثب.")
    assert _canonical_of(article, "الحكومة الليبية") is None
