"""benchmarks/explain_faithfulness.py: the card sentence of a measurement, one per kind (replaced on re-runs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPORTS = Path(__file__).resolve().parents[2] / "reports"


@pytest.mark.parametrize(
    ("report", "target"),
    [("explain-faithfulness-ensembles", False), ("explain-faithfulness-ensembles-target", True)],
)
def test_prefix_names_the_kind_of_measurement(report: str, target: bool, load_benchmark) -> None:
    mod = load_benchmark("explain_faithfulness")
    models = json.loads((REPORTS / report / "metrics.json").read_text())["models"]
    prefix = mod.TARGET_PREFIX if target else mod.CARD_PREFIX
    for s in models.values():
        # committed before the target_class field: the prefix comes from the "explained" text
        assert "target_class" not in s and mod.card_sentence(s, report).startswith(prefix)
        # written since: the field decides, whatever the text says
        flipped = {**s, "target_class": None if target else "mel"}
        other = mod.CARD_PREFIX if target else mod.TARGET_PREFIX
        assert mod.card_sentence(flipped, report).startswith(other)
