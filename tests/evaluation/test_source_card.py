"""Cross-source rows in model cards (issue 12): built, stored, read back and tabulated."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from medlens.card import ModelCard
from medlens.evaluation.source_card import card_test_row, source_row, source_table, write_source_block

REPO = Path(__file__).resolve().parents[2]


def test_row_keeps_intervals_and_refuses_unknown_roles() -> None:
    row = source_row("HAM10000 test", "cross-source", 100, 12, (0.9, 0.85, 0.95), None, (0.7, 0.6, 0.8))
    assert row["auroc"] == {"value": 0.9, "ci_low": 0.85, "ci_high": 0.95}
    assert row["sensitivity"] is None and row["n_target"] == 12
    with pytest.raises(ValueError, match="in-source or cross-source"):
        source_row("x", "elsewhere", 1, 0)


def test_block_round_trip_through_a_real_card(tmp_path: Path) -> None:
    src = REPO / "models" / "chest-xray"
    bundle = tmp_path / "chest-xray"
    shutil.copytree(src, bundle)
    card = ModelCard.load(bundle)
    own = card_test_row(card, "Kermany official test")
    assert own["role"] == "in-source" and own["n"] == card.data.n_test
    assert own["auroc"]["value"] == pytest.approx(card.metrics["test"]["target_auroc"]["value"], abs=1e-4)
    other = source_row(
        "adult films", "cross-source", 2214, 1408, (0.877, 0.862, 0.892), (0.5, 0.47, 0.53), None
    )
    write_source_block(bundle, [own, other], "reports/x.md", "python benchmarks/x.py --card", "a note")
    again = ModelCard.load(bundle)
    again.verify()  # weights and CAM head untouched
    block = again.metrics["cross_source"]
    assert [r["role"] for r in block["rows"]] == ["in-source", "cross-source"]
    assert block["target"] == card.thresholds.target_class and block["note"] == "a note"
    table = source_table([again])
    assert "| chest-xray | adult films | cross-source | 2214 (1408) | 0.877 (0.862–0.892) |" in table
    assert "a note" in table


def test_table_says_when_nothing_was_measured(tmp_path: Path) -> None:
    card = ModelCard.load(REPO / "models" / "chest-xray")
    card.metrics.pop("cross_source", None)
    assert "| chest-xray | not measured |" in source_table([card])
