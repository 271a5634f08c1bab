"""Stage 4: the article's own stance toward the Haftar camp, with auditable evidence."""

from __future__ import annotations

import pytest

from models import EnrichedArticle

SUPPORTIVE = (
    "تواصل القوات المسلحة العربية الليبية بقيادة المشير خليفة حفتر تأمين مدن الجنوب. "
    "وتبدو القوات المسلحة العربية الليبية مؤسسة عسكرية منظمة تحقق نجاحات في مكافحة الإرهاب وحماية الحدود."
)
CRITICAL = (
    "شنت ميليشيات حفتر هجوما على مواقع مدنية جنوب طرابلس. "
    "وارتكب خليفة حفتر الذي نصب نفسه قائدا للجيش انتهاكات جسيمة بحق المدنيين وسط الفوضى."
)
NEUTRAL = (
    "التقى صدام حفتر وزير الدفاع التركي يشار غولر في أنقرة يوم الجمعة لبحث التعاون بين الجانبين. "
    "وتناول اللقاء ملفات التدريب والصيانة، بحسب ما أعلن الجانبان في ختام الاجتماع."
)


def _assert_evidence_maps_back(article: EnrichedArticle) -> None:
    for cue in article.stance.evidence:
        assert 0 <= cue.start < cue.end <= len(article.text)
        assert article.text[cue.start : cue.end] == cue.text
        assert cue.cue in {"naming", "distancing", "framing"}
        assert cue.weight != 0


def test_supportive_naming_and_orderly_framing(analyse) -> None:
    article = analyse(SUPPORTIVE)
    stance = article.stance
    assert stance.score > 0.3
    assert stance.label == "supportive"
    assert stance.target == "haftar_camp"
    cues = {cue.cue for cue in stance.evidence}
    assert {"naming", "framing"} <= cues
    assert any("القوات المسلحة العربية الليبية" in cue.text for cue in stance.evidence)
    assert all(cue.weight > 0 for cue in stance.evidence)
    _assert_evidence_maps_back(article)


def test_critical_hostile_naming_and_distancing(analyse) -> None:
    article = analyse(CRITICAL)
    stance = article.stance
    assert stance.score < -0.3
    assert stance.label == "critical"
    texts = [cue.text for cue in stance.evidence]
    assert "ميليشيات حفتر" in texts
    assert "الذي نصب نفسه" in texts
    assert {cue.cue for cue in stance.evidence} >= {"naming", "distancing"}
    _assert_evidence_maps_back(article)


def test_plain_reporting_is_neutral(analyse) -> None:
    stance = analyse(NEUTRAL).stance
    assert stance.label == "neutral"
    assert abs(stance.score) < 0.3


def test_reported_speech_counts_half_and_direct_quotes_nothing(analyse) -> None:
    """Indirect speech is the writer's paraphrase of a source: its cues count half."""
    reported = analyse(
        "التقى صدام حفتر مسؤولين أتراك في أنقرة لبحث التعاون. "
        "وقال المتحدث باسم الحكومة إن ميليشيات حفتر ترتكب انتهاكات في الجنوب."
    )
    weights = {cue.text: cue.weight for cue in reported.stance.evidence}
    assert weights["ميليشيات حفتر"] == pytest.approx(-0.2)
    assert reported.stance.label == "neutral"
    quoted = analyse(
        "التقى صدام حفتر مسؤولين أتراك في أنقرة لبحث التعاون. "
        "وقال المتحدث باسم الحكومة: “ميليشيات حفتر ترتكب انتهاكات في الجنوب”."
    )
    assert "ميليشيات حفتر" not in [cue.text for cue in quoted.stance.evidence]


def test_a_critical_cue_counts_less_when_quoted_than_when_asserted(analyse) -> None:
    quoted = analyse(
        "التقى صدام حفتر مسؤولين أتراك في أنقرة لبحث التعاون. "
        "وقال المتحدث باسم الحكومة إن ميليشيات حفتر ترتكب انتهاكات في الجنوب."
    )
    asserted = analyse(
        "التقى صدام حفتر مسؤولين أتراك في أنقرة لبحث التعاون. وترتكب ميليشيات حفتر انتهاكات في الجنوب."
    )
    assert asserted.stance.score < quoted.stance.score <= 0
    assert "ميليشيات حفتر" in [cue.text for cue in asserted.stance.evidence]
    _assert_evidence_maps_back(quoted)


def test_cue_between_quotation_marks_does_not_count(analyse) -> None:
    article = analyse('وصف بيان حكومي «ميليشيات حفتر» بأنها تهدد الاستقرار. والتقى صدام حفتر مسؤولين أتراك في أنقرة.')
    assert "ميليشيات حفتر" not in [cue.text for cue in article.stance.evidence]
    assert article.stance.label == "neutral"


def test_distancing_counts_only_next_to_a_camp_name(analyse) -> None:
    far = analyse(
        "أعلن رئيس النادي الذي نصب نفسه مدربا للفريق عن خطة جديدة للموسم المقبل في المدينة الرياضية."
    )
    assert far.stance.evidence == []
    assert far.stance.score == 0


def test_repeated_naming_decays(analyse) -> None:
    once = analyse("شنت ميليشيات حفتر هجوما على مواقع جنوب العاصمة في ساعة مبكرة من الصباح.").stance
    thrice = analyse(
        "شنت ميليشيات حفتر هجوما على مواقع جنوب العاصمة. وتراجعت ميليشيات حفتر لاحقا. "
        "ثم عادت ميليشيات حفتر إلى مواقعها."
    ).stance
    weights = sorted(cue.weight for cue in thrice.evidence if cue.text == "ميليشيات حفتر")
    assert len(weights) == 3
    assert weights[0] < weights[1] < weights[2] < 0  # -w, -w/2, -w/3
    assert thrice.score < once.score < 0
    assert thrice.score > -1


def test_evidence_is_sorted_by_weight(analyse) -> None:
    stance = analyse(SUPPORTIVE).stance
    magnitudes = [abs(cue.weight) for cue in stance.evidence]
    assert magnitudes == sorted(magnitudes, reverse=True)


def test_evidence_offsets_on_text_with_diacritics_and_clitics(analyse) -> None:
    article = analyse(
        "وتواصلُ القوّاتُ المسلّحةُ العربيةُ الليبيةُ مهامها في الجنوب. "
        "ووجه الوزير الشكر للقوات المسلحة العربية الليبية على جهودها المنظمة في مكافحة الإرهاب."
    )
    assert article.stance.evidence
    _assert_evidence_maps_back(article)
