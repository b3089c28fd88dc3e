"""Group-aware split: identical rows never straddle, fractions by rows, seeded."""

from __future__ import annotations

import numpy as np

from medlens.tabular.split import covid_split, group_split, profile_groups


def test_identical_rows_share_a_group_and_split(covid_small) -> None:
    g = profile_groups(covid_small.raw)
    assert np.unique(g).size == len(covid_small.raw.drop_duplicates())
    s = covid_split(covid_small.raw, covid_small.clean, seed=3)
    for gid in np.unique(g):
        assert np.unique(s.split[g == gid]).size == 1
    sizes = np.bincount(s.split, minlength=3) / len(s.split)
    assert np.allclose(sizes, (0.7, 0.15, 0.15), atol=0.03)


def test_split_is_seeded_and_stratified(covid_small) -> None:
    a = covid_split(covid_small.raw, covid_small.clean, seed=0)
    b = covid_split(covid_small.raw, covid_small.clean, seed=0)
    c = covid_split(covid_small.raw, covid_small.clean, seed=1)
    assert np.array_equal(a.split, b.split) and not np.array_equal(a.split, c.split)
    death = covid_small.clean["DEATH"].to_numpy()
    rates = [death[a.split == i].mean() for i in range(3)]
    assert max(rates) - min(rates) < 0.03


def test_group_split_rejects_bad_fractions() -> None:
    import pytest

    with pytest.raises(ValueError, match="sum to 1"):
        group_split(np.zeros(4, dtype=int), np.zeros(4, dtype=int), (0.5, 0.5, 0.5))
