"""Stage 4: the article's own stance toward the Haftar camp, with auditable evidence.

Expected weights are derived from the lexicon and the calibration file, never typed in:
a refit changes the numbers, not what these tests check.
"""

from __future__ import annotations

import math

import pytest

from models import EnrichedArticle
from streams.knowledge import Knowledge
from streams.knowledge.lexicons import StanceCalibration
from streams.stages.stance import combine, find_cues, label_for

SUPPORTIVE = (
    "تواصل القوات المسلحة العربية الليبية بقيادة المشير خليفة حفتر تأمين مدن الجنوب. "
    "وتبدو القوات المسلحة العربية الليبية مؤسسة عسكرية منظمة تحقق نجاحات في مكافحة الإرهاب وحماية الحدود."
)
CRITICAL = (
    "شنت ميليشيات حفتر هجوما على مواقع مدنية جنوب طرابلس. "
    "وارتكب خليفة حفتر الذي نصب نفسه قائدا للجيش انتهاكات جسيمة بحق المدنيين وسط الفوضى."
)
NEUTRAL = (
    "استقبل يشار غولر، وزير الدفاع في أنقرة، صدام حفتر يوم الجمعة لبحث التعاون بين الجانبين. "
    "وتناول اللقاء ملفات التدريب والصيانة، بحسب ما أعلن الجانبان في ختام الاجتماع."
)
#: Supportive through how it names the camp's rivals, without praising the camp itself.
RIVAL_HOSTILE = (
    "وصلت دفعة جديدة من المرتزقة السوريين إلى العاصمة لدعم ميليشيات طرابلس. "
    "ويرى مراقبون أن الحكومة المنتهية ولايتها تعتمد على هذه الميليشيات للبقاء في السلطة."
)


def _cue_weight(knowledge: Knowledge, phrase: str) -> float:
    from streams.text.matchform import fold_phrase

    (cue,) = [c for c in knowledge.stance.matcher._values[fold_phrase(phrase)] if c.kind not in ("camp", "rival")]
    return cue.weight


def _assert_evidence_maps_back(article: EnrichedArticle) -> None:
    for cue in article.stance.evidence:
        assert 0 <= cue.start < cue.end <= len(article.text)
        assert article.text[cue.start : cue.end] == cue.text
        assert cue.cue in {"naming", "distancing", "framing"}
        assert cue.weight != 0


def test_supportive_naming_and_orderly_framing(analyse) -> None:
    article = analyse(SUPPORTIVE)
    stance = article.stance
    assert stance.label == "supportive"
    assert stance.target == "haftar_camp"
    assert {"naming", "framing"} <= {cue.cue for cue in stance.evidence}
    assert any("القوات المسلحة العربية الليبية" in cue.text for cue in stance.evidence)
    assert all(cue.weight > 0 for cue in stance.evidence)
    _assert_evidence_maps_back(article)


def test_critical_hostile_naming_and_distancing(analyse) -> None:
    article = analyse(CRITICAL)
    stance = article.stance
    assert stance.label == "critical"
    texts = [cue.text for cue in stance.evidence]
    assert "ميليشيات حفتر" in texts
    assert "الذي نصب نفسه" in texts
    assert {cue.cue for cue in stance.evidence} >= {"naming", "distancing"}
    _assert_evidence_maps_back(article)


def test_hostile_naming_of_the_rivals_is_supportive(analyse) -> None:
    stance = analyse(RIVAL_HOSTILE).stance
    assert stance.label == "supportive"
    texts = {cue.text for cue in stance.evidence}
    assert {"المرتزقة السوريين", "ميليشيات طرابلس", "المنتهية ولايتها"} <= texts
    assert all(cue.weight > 0 for cue in stance.evidence)


def test_plain_reporting_is_neutral(analyse, knowledge: Knowledge) -> None:
    stance = analyse(NEUTRAL).stance
    assert stance.label == "neutral"
    assert abs(stance.score) < knowledge.stance.neutral_band


def test_one_honorific_alone_stays_neutral(analyse) -> None:
    """Wire copy gives the camp's titles without taking its side."""
    stance = analyse(
        "التقى المشير خليفة حفتر في بنغازي وفدا من رجال الأعمال الإيطاليين لبحث مشاريع الطاقة والموانئ."
    ).stance
    assert stance.label == "neutral"
    assert stance.score > 0


def test_indirect_speech_counts_its_factor_and_quotes_nothing(analyse, knowledge: Knowledge) -> None:
    lexicon = knowledge.stance
    base = _cue_weight(knowledge, "ميليشيات حفتر") * lexicon.calibration.factor("hostile_naming")
    reported = analyse(
        "التقى صدام حفتر مسؤولين أتراك في أنقرة لبحث التعاون. "
        "وقال المتحدث باسم الحكومة إن ميليشيات حفتر ترتكب انتهاكات في الجنوب."
    )
    weights = {cue.text: cue.weight for cue in reported.stance.evidence}
    assert weights["ميليشيات حفتر"] == pytest.approx(base * lexicon.indirect_factor, abs=1e-4)
    quoted = analyse(
        "التقى صدام حفتر مسؤولين أتراك في أنقرة لبحث التعاون. "
        "وقال المتحدث باسم الحكومة: “ميليشيات حفتر ترتكب انتهاكات في الجنوب”. "
        "ورد متحدث باسم القيادة العامة: “ميليشيات طرابلس هي التي ترتكب الانتهاكات”."
    )
    assert "ميليشيات حفتر" not in [cue.text for cue in quoted.stance.evidence]  # a counter-voice is quoted


def test_a_critical_cue_counts_less_when_reported_than_when_asserted(analyse) -> None:
    reported = analyse(
        "التقى صدام حفتر مسؤولين أتراك في أنقرة لبحث التعاون. "
        "وقال المتحدث باسم الحكومة إن ميليشيات حفتر ترتكب انتهاكات في الجنوب."
    )
    asserted = analyse(
        "التقى صدام حفتر مسؤولين أتراك في أنقرة لبحث التعاون. وترتكب ميليشيات حفتر انتهاكات في الجنوب."
    )
    assert asserted.stance.score < reported.stance.score <= 0
    assert "ميليشيات حفتر" in [cue.text for cue in asserted.stance.evidence]
    _assert_evidence_maps_back(reported)


def test_one_sided_relay_counts_the_relay_factor(analyse, knowledge: Knowledge) -> None:
    """Only one side's accusations, quoted, no counter-voice: not neutral by construction."""
    calibration = knowledge.stance.calibration
    text = (
        "التقى صدام حفتر مسؤولين أتراك في أنقرة لبحث التعاون. "
        "وقال المتحدث باسم الحكومة: “ميليشيات حفتر ترتكب انتهاكات في الجنوب”."
    )
    article = analyse(text)
    cues = find_cues(article)
    relayed = [cue for cue in cues if cue.speech == "quoted"]
    assert relayed and all(cue.weight < 0 for cue in relayed)
    no_relay = calibration.model_copy(update={"relay_factor": 0.0})
    some_relay = calibration.model_copy(update={"relay_factor": 0.5})
    assert combine(cues, some_relay, knowledge.stance)[0] < combine(cues, no_relay, knowledge.stance)[0] == 0.0
    weights = {cue.text: cue.weight for cue in article.stance.evidence}
    if calibration.relay_factor > 0:
        expected = _cue_weight(knowledge, "ميليشيات حفتر") * calibration.factor("hostile_naming") * calibration.relay_factor
        assert weights["ميليشيات حفتر"] == pytest.approx(expected, abs=1e-4)


def test_cue_between_quotation_marks_with_a_counter_voice_does_not_count(analyse) -> None:
    article = analyse(
        "وصف بيان حكومي «ميليشيات حفتر» بأنها تهدد الاستقرار، فيما رد بيان آخر بأن «ميليشيات طرابلس» هي الخطر. "
        "والتقى صدام حفتر مسؤولين أتراك في أنقرة."
    )
    assert "ميليشيات حفتر" not in [cue.text for cue in article.stance.evidence]


def test_a_camp_name_in_scare_quotes_is_distancing(analyse) -> None:
    article = analyse(
        "استقبل قائد \"القيادة العامة\" في بنغازي وفدا عسكريا أجنبيا، وناقش الطرفان التعاون في التدريب والصيانة."
    )
    cues = [(cue.cue, cue.text, cue.weight) for cue in article.stance.evidence]
    assert ("distancing", "القيادة العامة", pytest.approx(cues[0][2])) in cues
    assert all(weight < 0 for kind, text, weight in cues if text == "القيادة العامة")
    plain = analyse(
        "استقبل قائد القيادة العامة في بنغازي وفدا عسكريا أجنبيا، وناقش الطرفان التعاون في التدريب والصيانة."
    )
    assert plain.stance.score > 0 > article.stance.score


def test_distancing_marker_before_a_quoted_name_counts_once(analyse) -> None:
    article = analyse(
        "التقى نائب ما يعرف بـ\"القيادة العامة\" في بنغازي وفدا عسكريا أجنبيا لبحث التعاون في التدريب."
    )
    distancing = [cue for cue in article.stance.evidence if cue.cue == "distancing"]
    assert [cue.text for cue in distancing] == ["ما يعرف ب"]


def test_distancing_counts_only_next_to_a_side(analyse) -> None:
    far = analyse(
        "أعلن رئيس النادي الذي نصب نفسه مدربا للفريق عن خطة جديدة للموسم المقبل في المدينة الرياضية."
    )
    assert far.stance.evidence == []
    assert far.stance.score == 0


def test_framing_follows_the_side_it_is_about(analyse) -> None:
    """The same word of blame: against the camp when about it, for it when about a rival."""
    about_camp = analyse("وقالت مصادر محلية إن اللقاء جرى أمس. وتعيث قوات حفتر فسادا في مدن الجنوب منذ أشهر.")
    about_rival = analyse("وقالت مصادر محلية إن اللقاء جرى أمس. وتعيث حكومة الوفاق فسادا في مدن الغرب منذ أشهر.")
    framing = lambda article: [c.weight for c in article.stance.evidence if c.cue == "framing"]  # noqa: E731
    assert framing(about_camp) and all(w < 0 for w in framing(about_camp))
    assert framing(about_rival) and all(w > 0 for w in framing(about_rival))


def test_headline_counts_its_factor(analyse, knowledge: Knowledge) -> None:
    article = analyse("اللواء المتقاعد يصل إلى أنقرة\nوصل خليفة حفتر إلى أنقرة أمس في زيارة رسمية تستمر يومين.")
    cues = find_cues(article)
    headline = [cue for cue in cues if cue.headline]
    assert [cue.text for cue in headline] == ["اللواء المتقاعد"]
    factor = knowledge.stance.calibration.headline_factor
    weights = {cue.text: cue.weight for cue in article.stance.evidence}
    expected = headline[0].weight * knowledge.stance.calibration.factor("hostile_naming") * factor
    assert weights["اللواء المتقاعد"] == pytest.approx(expected, abs=1e-4)


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


def test_score_is_the_squashed_sum_of_the_evidence(analyse, knowledge: Knowledge) -> None:
    for text in (SUPPORTIVE, CRITICAL, RIVAL_HOSTILE):
        stance = analyse(text).stance
        total = sum(cue.weight for cue in stance.evidence)
        assert stance.score == pytest.approx(math.tanh(knowledge.stance.squash * total), abs=2e-3)
        assert stance.label == label_for(stance.score, knowledge.stance.neutral_band)


def test_family_factors_scale_their_family_only(analyse, knowledge: Knowledge) -> None:
    lexicon = knowledge.stance
    cues = find_cues(analyse(CRITICAL))
    base = lexicon.calibration
    doubled = base.model_copy(update={"family_factors": {**base.family_factors, "distancing": 2 * base.factor("distancing")}})
    _, before = combine(cues, base, lexicon)
    _, after = combine(cues, doubled, lexicon)
    for cue, old, new in zip(cues, before, after):
        assert new == pytest.approx(2 * old if cue.family == "distancing" else old)


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


def test_calibration_file_is_valid_and_reports_its_fit(knowledge: Knowledge) -> None:
    calibration = knowledge.stance.calibration
    assert isinstance(calibration, StanceCalibration)
    assert 0 < calibration.neutral_band < 1
    assert set(calibration.family_factors) == {"naming", "hostile_naming", "rival_naming", "distancing", "framing"}
    if calibration.fit:
        assert {"in_sample", "cross_validated"} <= set(calibration.fit)


def test_a_rivals_backer_is_the_referent_only_when_named_at_the_cue(analyse) -> None:
    """Turkey backs the camp's rivals, but also courts the east: proximity decides."""
    far = analyse(
        "واستقبلت القيادة العامة وفدا عسكريا من أنقرة التي تنظر إليها بوصفها شريك موثوق في المنطقة."
    )
    near = analyse("وتواصل تركيا التي تعيث فسادا في الغرب دعم حكومة الوفاق، بينما تسيطر القيادة العامة على الشرق.")
    framing = lambda article: [c.weight for c in article.stance.evidence if c.cue == "framing"]  # noqa: E731
    assert framing(far) and all(w > 0 for w in framing(far))  # about the General Command
    assert framing(near) and all(w > 0 for w in framing(near))  # about Turkey: blame of a rival's backer


def test_an_accusation_verb_reports_the_accusers_charge(analyse, knowledge: Knowledge) -> None:
    accused = analyse("واتهمت حكومة الوفاق قوات حفتر بارتكاب انتهاكات جسيمة بحق المدنيين في الجنوب.")
    asserted = analyse("وارتكبت قوات حفتر انتهاكات جسيمة بحق المدنيين في الجنوب، وفق شهود عيان.")
    weight = lambda article: next(c.weight for c in article.stance.evidence if c.text == "انتهاكات")  # noqa: E731
    assert weight(asserted) < 0
    assert weight(accused) == pytest.approx(weight(asserted) * knowledge.stance.indirect_factor, abs=1e-4)


def test_a_possessive_pronoun_refers_to_the_sentences_subject(analyse) -> None:
    """"تمسكه بالسلطة" blames the subject, not the body named just before it."""
    article = analyse("ورفض عبد الحميد الدبيبة قرار مجلس النواب وأعلن تمسكه بالسلطة حتى إجراء الانتخابات.")
    weights = [c.weight for c in article.stance.evidence if c.cue == "framing"]
    assert weights and all(w > 0 for w in weights)  # blame of the camp's rival


def test_stacked_titles_saturate(analyse, knowledge: Knowledge) -> None:
    article = analyse(
        "استقبل القائد العام للقوات المسلحة العربية الليبية المشير خليفة حفتر في الرجمة الفريق أول صدام حفتر. "
        "وحضر اللقاء عدد من قادة القيادة العامة للقوات المسلحة، وقائد الجيش الليبي في المنطقة الجنوبية."
    )
    naming = sum(c.weight for c in article.stance.evidence if c.cue == "naming" and c.weight > 0)
    assert naming == pytest.approx(knowledge.stance.naming_cap, abs=1e-3)
    assert naming < sum(abs(c.weight) for c in find_cues(article) if c.family == "naming") * 2


def test_indirect_speech_across_a_long_attribution(analyse, knowledge: Knowledge) -> None:
    """"قال X، في منشور عبر موقع فيسبوك مساء أمس، إن …": the complement comes late."""
    article = analyse(
        "وقال المكتب الإعلامي لحكومة الوحدة الوطنية، في منشور عبر صفحته الرسمية على موقع فيسبوك مساء أمس الأحد، "
        "إن ميليشيات حفتر قصفت مواقع مدنية في الجنوب."
    )
    cue = next(c for c in find_cues(article) if c.text == "ميليشيات حفتر")
    assert cue.speech == "indirect"
    assert cue.weight == pytest.approx(_cue_weight(knowledge, "ميليشيات حفتر") * knowledge.stance.indirect_factor)


def test_the_lnas_plain_name_in_quotation_marks_is_house_style(analyse) -> None:
    """Agency copy quotes the LNA's name as a matter of style; that is not distancing."""
    article = analyse(
        "وقال قائد \"الجيش الوطني الليبي\" في بنغازي إن قواته ستشارك في تدريبات مشتركة خلال الشهر المقبل."
    )
    assert [cue for cue in article.stance.evidence if cue.cue == "distancing"] == []
