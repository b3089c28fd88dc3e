"""The one-message rule (``web/services/message.py``) and the number formats people read."""

from __future__ import annotations

import pytest

from medlens.tasks import get_task
from medlens.web.formatting import format_duration, format_probability
from medlens.web.services.message import result_message

SPEC = get_task("melanoma")  # low below the threshold, moderate from it, high from 0.80


def pred(p_malignant: float, pset: list[str] | None = None, ood: bool = False) -> dict:
    return {
        "probabilities": {"malignant": p_malignant, "benign": 1 - p_malignant},
        "target_probability": p_malignant,
        "threshold": 0.3,
        "prediction_set": pset,
        "conformal_alpha": 0.1,
        "ood": ood,
    }


@pytest.mark.parametrize(
    ("p", "expected"),
    [
        (0.0, "< 1 %"),
        (0.004, "< 1 %"),
        (0.005, "1 %"),
        (0.42, "42 %"),
        (0.994, "99 %"),
        (0.995, "> 99 %"),
        (1.0, "> 99 %"),
        (None, "–"),
    ],
)
def test_probabilities_are_never_shown_as_certain(p, expected) -> None:  # type: ignore[no-untyped-def]
    assert format_probability(p) == expected


def test_waiting_time_reads_at_a_glance() -> None:
    assert format_duration(0.001, "en") == "< 1 min"
    assert format_duration(0.75, "en") == "45 min"
    assert format_duration(3 + 20 / 60, "ko") == "3시간 20분"
    assert format_duration(52.5, "en") == "2 d 4 h"


def test_single_class_set_is_the_models_verdict() -> None:
    m = result_message(SPEC, pred(0.1, ["benign"]), None, "en")
    assert (m.outcome, m.level, m.reasons) == ("result", "low", [])
    assert m.coverage == pytest.approx(0.9)


def test_a_set_of_several_classes_abstains_and_refers() -> None:
    m = result_message(SPEC, pred(0.55, ["malignant", "benign"]), None, "en")
    assert m.abstain and m.level == "moderate" and "cannot tell" in m.reasons[0]
    assert "Malignant" in m.reasons[0] or "malignant" in m.reasons[0].lower()
    low = result_message(SPEC, pred(0.1, ["benign", "malignant"]), None, "ko")
    assert low.abstain and low.level == "moderate"  # a referral is never shown as low risk
    high = result_message(SPEC, pred(0.9, ["malignant", "benign"]), None, "en")
    assert high.abstain and high.level == "high"  # and keeps a high level for the queue


def test_ood_abstains_even_with_one_class() -> None:
    m = result_message(SPEC, pred(0.1, ["benign"], ood=True), None, "en")
    assert m.abstain and any("does not look like" in r for r in m.reasons)


@pytest.mark.parametrize(
    ("band", "p", "level"), [("highly_suspicious", 0.1, "high"), ("benign", 0.9, "high")]
)
def test_abcd_disagreement_is_a_reason_and_the_cautious_level_wins(band: str, p: float, level: str) -> None:
    m = result_message(SPEC, pred(p, ["benign" if p < 0.3 else "malignant"]), {"tds_band": band}, "en")
    assert not m.abstain and m.level == level and any("ABCD" in r for r in m.reasons)
    agree = result_message(SPEC, pred(0.1, ["benign"]), {"tds_band": "benign"}, "en")
    assert agree.reasons == []


def test_another_test_on_the_same_photo_is_a_reason_not_a_verdict() -> None:
    other = get_task("skin-lesion")
    m = result_message(SPEC, pred(0.1, ["benign"]), None, "en", [(other, "high")])
    assert m.level == "low" and not m.abstain and "same photo" in m.reasons[0]


def test_a_referral_is_stored_and_queued_at_least_moderate() -> None:
    from types import SimpleNamespace

    from medlens.web.services.cases import stored_risk

    def p(level: str, pset: list[str] | None, ood: bool = False) -> SimpleNamespace:
        return SimpleNamespace(risk_level=level, prediction_set=pset, ood=ood)

    assert stored_risk(p("low", ["benign"])) == "low"
    assert stored_risk(p("low", ["benign", "malignant"])) == "moderate"
    assert stored_risk(p("low", ["benign"], ood=True)) == "moderate"
    assert stored_risk(p("high", ["malignant", "benign"])) == "high"
    assert stored_risk(p("", None)) == ""  # tasks without risk bands stay without
