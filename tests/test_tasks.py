import numpy as np
import pytest

from medlens.tasks import TASKS, get_task, list_tasks

EXPECTED = {
    "skin-lesion",
    "skin-lesion-5",
    "melanoma",
    "scalp",
    "chest-xray",
    "chest-xray-covid",
    "herpes-zoster",
}


def test_all_seed_tasks_registered():
    assert set(list_tasks()) >= EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_task_spec_is_complete(name):
    spec = get_task(name)
    assert spec.heads and all(h.classes for h in spec.heads)
    assert spec.title.en and spec.title.ko
    assert spec.input_size > 0 and spec.default_backbone
    if spec.target is not None:
        assert spec.target in spec.classes
        assert spec.classes[spec.target_index] == spec.target
        # risk bands: ordered, bilingual, and the advice differs between low and high
        levels = [b.level for b in spec.risk_bands]
        assert levels == ["low", "moderate", "high"]
        assert all(b.advice.en and b.advice.ko for b in spec.risk_bands)
    for cls in spec.classes:
        assert spec.class_title(cls, "ko")


def test_scalp_has_six_ordinal_heads_with_four_grades():
    spec = get_task("scalp")
    assert spec.multi_head
    assert len(spec.heads) == 6
    assert all(h.ordinal and h.classes == ("0", "1", "2", "3") for h in spec.heads)


def test_risk_for_uses_operating_threshold():
    spec = get_task("melanoma")
    assert spec.risk_for(0.05, threshold=0.3).level == "low"
    assert spec.risk_for(0.35, threshold=0.3).level == "moderate"
    assert spec.risk_for(0.95, threshold=0.3).level == "high"
    # a lower threshold moves the same probability up a band
    assert spec.risk_for(0.2, threshold=0.1).level == "moderate"


@pytest.mark.parametrize("task", ["melanoma", "chest-xray", "skin-lesion"])
def test_a_result_below_the_threshold_is_never_a_raised_risk(task):
    """The chest X-ray card's threshold (0.91) lies above the high band's 0.80: a P of 0.85 is not flagged,
    so it must not be shown as high risk with the urgent advice (it was, before the bands were resolved)."""
    spec = get_task(task)
    for threshold in (0.3, 0.8, 0.9126, 0.97):
        for p in np.linspace(0.0, 1.0, 201):
            band = spec.risk_for(float(p), threshold)
            assert (band.level != "low") == (p >= threshold), (threshold, p, band.level)
            if p >= max(0.80, threshold):
                assert band.level == "high"
    assert spec.risk_for(0.85, threshold=0.9126).level == "low"
    assert spec.risk_for(0.95, threshold=0.9126).level == "high"


def test_unknown_task_error_lists_valid():
    with pytest.raises(ValueError, match=r"valid names: .*melanoma"):
        get_task("melanomaa")


def test_text_language_switch():
    spec = get_task("melanoma")
    assert spec.title.get("ko") != spec.title.get("en")
    assert spec.title.get("ko-KR") == spec.title.ko
    assert len(TASKS) >= 7
