"""benchmarks/paired_bundles.py --by: per-group paired Δ of the target's sensitivity and AUROC."""

from __future__ import annotations

import numpy as np


def test_group_rows_show_the_group_that_pays_for_a_change(load_benchmark) -> None:
    mod = load_benchmark("paired_bundles")
    rng = np.random.default_rng(0)
    n = 400
    groups = np.array(["female", "male"] * (n // 2), dtype=object)
    y = (rng.random(n) < 0.3).astype(int)  # target class 1
    noise = rng.normal(0, 0.1, n)
    ref = np.clip(0.2 + 0.6 * y + noise, 0, 1)
    # the candidate loses the women's targets (scores them like non-targets) and keeps the men's
    cand = ref.copy()
    lost = (groups == "female") & (y == 1)
    cand[lost] = np.clip(0.2 + noise[lost], 0, 1)
    pa, pb = np.stack([1 - cand, cand], 1), np.stack([1 - ref, ref], 1)
    rows = mod.group_rows(y, pa, pb, groups, target=1, thresholds=(0.5, 0.5), n_boot=200)
    f_sens = next(v for k, v in rows.items() if k.startswith("female") and k.endswith("sensitivity"))
    m_sens = next(v for k, v in rows.items() if k.startswith("male") and k.endswith("sensitivity"))
    assert f_sens["reference"] > 0.9 and f_sens["model"] < 0.2
    assert f_sens["delta"]["ci_high"] < 0  # significantly worse for women
    assert m_sens["delta"]["value"] == 0.0 and m_sens["model"] == m_sens["reference"]


def test_group_rows_skip_small_and_unknown_groups(load_benchmark) -> None:
    mod = load_benchmark("paired_bundles")
    y = np.array([1, 0, 1, 0, 1, 0, 0, 0])
    groups = np.array(["a", "a", "b", "b", "unknown", "unknown", "a", "b"], dtype=object)
    p = np.stack([1 - y * 0.8, y * 0.8], 1).astype(float)
    assert mod.group_rows(y, p, p, groups, target=1, thresholds=(0.5, 0.5), min_target=2) == {}
    rows = mod.group_rows(y, p, p, groups, target=1, thresholds=(0.5, 0.5), min_target=1, n_boot=50)
    assert sorted({k.split(" ")[0] for k in rows}) == ["a", "b"]
