"""The shortcut audit's verdict goes into the card's limits, once (issue 12)."""

from __future__ import annotations

import shutil
from pathlib import Path

from medlens.audit.card_limits import PREFIX, add_audit_limit, audit_sentence
from medlens.card import ModelCard

REPO = Path(__file__).resolve().parents[2]


def _ci(v: float, lo: float, hi: float) -> dict[str, float]:
    return {"value": v, "ci_low": lo, "ci_high": hi}


RESULT = {
    "n": 300,
    "split": "test",
    "label_association": {
        "clinic-a": {
            "lens_border": {"auroc": _ci(0.8, 0.75, 0.85), "strength": 0.6},
            "hair_fraction": {"auroc": _ci(0.55, 0.45, 0.65), "strength": 0.1},  # weak, CI spans 0.5
        }
    },
    "counterfactual": {
        "add lens border": {"clinic-a / benign": {"delta_p": _ci(0.3, 0.25, 0.35), "flipped": 0.2}},
        "zoom in": {"clinic-a / benign": {"delta_p": _ci(0.01, -0.02, 0.04), "flipped": 0.0}},
    },
}


def test_sentence_names_only_what_the_audit_supports() -> None:
    s = audit_sentence(RESULT, "reports/shortcuts-x")
    assert s.startswith(PREFIX + "reports/shortcuts-x, 300 images of the test split)")
    assert "lens_border 0.80" in s and "hair_fraction" not in s
    assert "add lens border on clinic-a / benign ΔP +0.30 (20 % flip)" in s and "zoom in" not in s
    quiet = audit_sentence({"n": 10, "split": "all", "label_association": {}, "counterfactual": {}}, "r")
    assert "no probe predicts the label" in quiet and "all splits" in quiet


def test_card_gets_one_sentence_before_the_boilerplate(tmp_path: Path) -> None:
    bundle = tmp_path / "m"
    shutil.copytree(REPO / "models" / "scalp-conditions", bundle)
    add_audit_limit(bundle, RESULT, "reports/first")
    add_audit_limit(bundle, RESULT, "reports/second")
    card = ModelCard.load(bundle)
    card.verify()
    audits = [s for s in card.limitations if s.startswith(PREFIX)]
    assert len(audits) == 1 and "reports/second" in audits[0]
    assert card.limitations.index(audits[0]) < len(card.limitations) - 1
    assert card.limitations[-1].startswith(("Inputs far from", "Not a medical device"))


def test_put_limit_replaces_by_prefix_and_refuses_a_mismatch(tmp_path: Path) -> None:
    import pytest

    from medlens.audit.card_limits import put_limit

    bundle = tmp_path / "m"
    shutil.copytree(REPO / "models" / "scalp-conditions", bundle)
    before = ModelCard.load(bundle).limitations
    put_limit(bundle, "Heatmap faithfulness (", "Heatmap faithfulness (r1): old.")
    put_limit(bundle, "Heatmap faithfulness (", "Heatmap faithfulness (r2): new.")
    after = ModelCard.load(bundle).limitations
    assert [s for s in after if s.startswith("Heatmap")] == ["Heatmap faithfulness (r2): new."]
    assert len(after) == len(before) + 1 and after[-1] == before[-1]  # the boilerplate stays last
    with pytest.raises(ValueError, match="must start with"):
        put_limit(bundle, "Heatmap faithfulness (", "Shortcut audit (r): x.")
    assert ModelCard.load(bundle).limitations == after
