"""Group-aware, seeded train/val/test split for a file without patient ids.

812,049 of the 1,048,575 rows exactly repeat another row. With no patient id we cannot tell a
re-registered patient from two patients who happen to match, so we take the cautious view:
every identical raw row (all 21 columns: features, care variables and outcome) is one *profile
group*, and a group goes whole to one split. Identical rows therefore never straddle train and
test. Groups are stratified by (DEATH, COVID_POSITIVE) and cut so that each split receives
about its fraction of *rows*. Test metrics are reported per row and per unique profile.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

SPLITS = ("train", "val", "test")


@dataclass
class GroupSplit:
    split: np.ndarray  # int8 per row: 0 train, 1 val, 2 test
    group: np.ndarray  # int64 profile-group id per row
    seed: int
    fractions: tuple[float, float, float]

    def indices(self, name: str) -> np.ndarray:
        return np.flatnonzero(self.split == SPLITS.index(name))

    def summary(self) -> dict[str, dict[str, int]]:
        out = {}
        for i, name in enumerate(SPLITS):
            m = self.split == i
            out[name] = {"rows": int(m.sum()), "groups": int(np.unique(self.group[m]).size)}
        return out


def profile_groups(raw: pd.DataFrame) -> np.ndarray:
    """Group id per row: identical raw rows share an id (0..n_groups-1)."""
    h = pd.util.hash_pandas_object(raw, index=False).to_numpy()
    _, inv = np.unique(h, return_inverse=True)
    return inv.astype(np.int64)


def group_split(
    groups: np.ndarray,
    strata: np.ndarray,
    fractions: tuple[float, float, float] = (0.7, 0.15, 0.15),
    seed: int = 0,
) -> GroupSplit:
    """Assign whole groups to train/val/test, per stratum, by cumulative row count."""
    if abs(sum(fractions) - 1.0) > 1e-6 or min(fractions) <= 0:
        raise ValueError(f"fractions must be positive and sum to 1, got {fractions}")
    rng = np.random.default_rng(seed)
    groups = np.asarray(groups)
    n_groups = int(groups.max()) + 1
    sizes = np.bincount(groups, minlength=n_groups)
    g_stratum = np.zeros(n_groups, dtype=np.int64)
    g_stratum[groups] = np.asarray(strata)
    g_split = np.zeros(n_groups, dtype=np.int8)
    cuts = np.cumsum(fractions)[:2]
    for s in np.unique(g_stratum[sizes > 0]):
        ids = np.flatnonzero((g_stratum == s) & (sizes > 0))
        ids = ids[rng.permutation(ids.size)]
        pos = (np.cumsum(sizes[ids]) - sizes[ids] / 2) / sizes[ids].sum()  # midpoint of each group
        g_split[ids] = np.searchsorted(cuts, pos, side="right").astype(np.int8)
    return GroupSplit(split=g_split[groups], group=groups, seed=seed, fractions=fractions)


def covid_split(raw: pd.DataFrame, clean: pd.DataFrame, seed: int = 0,
                fractions: tuple[float, float, float] = (0.7, 0.15, 0.15)) -> GroupSplit:  # fmt: skip
    """The project split of the COVID file: profile groups, stratified by death x positivity."""
    strata = clean["DEATH"].to_numpy().astype(np.int64) * 2 + clean["COVID_POSITIVE"].to_numpy()
    return group_split(profile_groups(raw), strata, fractions, seed)
