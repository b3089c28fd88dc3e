"""The scalp-type rule table (medlens.scalp.types): one test per rule, the headline choice and texts."""

from __future__ import annotations

import pytest

from medlens.scalp.types import SYMPTOMS, TYPES, matching_types, scalp_type, scalp_type_result, type_title
from medlens.tasks.derived import derive


def g(**kw: int) -> dict[str, int]:
    return {s: kw.get(s, 0) for s in SYMPTOMS}


def test_good_only_when_every_grade_is_zero() -> None:
    assert matching_types(g()) == [("good", 0)]
    assert scalp_type(g()) == ("good", 0)
    for s in SYMPTOMS:
        assert "good" not in dict(matching_types(g(**{s: 1})))


@pytest.mark.parametrize("grade", [1, 2, 3])
def test_hair_loss_rule(grade: int) -> None:
    assert matching_types(g(hair_loss=grade)) == [("hair_loss", grade)]


@pytest.mark.parametrize("grade", [1, 2, 3])
def test_inflammatory_rule(grade: int) -> None:
    assert matching_types(g(erythema_pustules=grade)) == [("inflammatory", grade)]


def test_seborrheic_needs_sebum_and_redness_and_takes_the_higher_grade() -> None:
    assert matching_types(g(excess_sebum=1, erythema_interfollicular=3)) == [("seborrheic", 3)]
    assert matching_types(g(excess_sebum=2, erythema_interfollicular=1)) == [("seborrheic", 2)]


@pytest.mark.parametrize("grade", [1, 2, 3])
def test_dandruff_rule(grade: int) -> None:
    assert matching_types(g(dandruff=grade)) == [("dandruff", grade)]


def test_sensitive_is_redness_without_sebum() -> None:
    assert matching_types(g(erythema_interfollicular=2)) == [("sensitive", 2)]


def test_oily_is_sebum_without_redness() -> None:
    assert matching_types(g(excess_sebum=3)) == [("oily", 3)]


def test_dry_is_fine_scale_without_sebum() -> None:
    assert matching_types(g(fine_dandruff=1)) == [("dry", 1)]
    # fine scale with excess sebum is not dry
    assert matching_types(g(fine_dandruff=2, excess_sebum=1)) == [("oily", 1)]


def test_headline_is_the_most_severe_type_and_ties_go_to_hair_loss_first() -> None:
    assert scalp_type(g(dandruff=3, hair_loss=1)) == ("dandruff", 3)
    assert scalp_type(g(dandruff=2, hair_loss=2, fine_dandruff=2)) == ("hair_loss", 2)
    assert scalp_type(g(erythema_pustules=1, fine_dandruff=1)) == ("inflammatory", 1)


def test_bad_grade_is_refused() -> None:
    with pytest.raises(ValueError, match="0-3"):
        matching_types(g(hair_loss=4))


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_type_has_features_and_care_in_both_languages(lang: str) -> None:
    for t in TYPES.values():
        assert t.title.get(lang) and t.features.get(lang) and t.care.get(lang)
    assert type_title("hair_loss", 3, "en") == "Hair-loss type scalp, severe"
    assert type_title("hair_loss", 3, "ko") == "탈모성 두피, 중증"


def test_derived_result_for_the_page() -> None:
    grades = {s: "0" for s in SYMPTOMS} | {"hair_loss": "3", "dandruff": "1"}
    result = scalp_type_result(grades, "en")
    assert result is not None and result.headline == "Hair-loss type scalp, severe"
    subs = dict(result.items)
    assert subs["Care"] == TYPES["hair_loss"].care.en and subs["Also matches"] == "Dandruff type scalp, mild"
    assert "not treatment" in result.note
    assert derive(("scalp-type",), grades, "ko")[0].headline == "탈모성 두피, 중증"
    assert scalp_type_result({"hair_loss": "3"}, "en") is None  # a head missing: nothing derived
    assert derive((), grades, "en") == []


def test_result_carries_the_matching_types_as_product_tags_headline_first() -> None:
    from medlens.tasks.derived import catalogue_tags

    grades = {k: str(v) for k, v in g(hair_loss=1, dandruff=3, excess_sebum=1).items()}
    result = scalp_type_result(grades, "en")
    assert result is not None
    assert result.tags == ("dandruff", "hair_loss", "oily")  # headline (severity 3) first, then rule order
    tags = catalogue_tags()
    assert list(tags) == list(TYPES)  # the eight AI-Hub types are what care products are tagged with
    assert tags["hair_loss"].ko == "탈모성 두피"
