"""Pure robustness metrics (Hendrycks & Dietterich 2019), numpy only.

With ``E[c][s]`` the top-1 error of a model under corruption ``c`` at severity ``s`` and ``E_clean``
its clean error, and the same for a named reference model ``ref``:

* corruption error ``CE_c = sum_s E[c][s] / sum_s E_ref[c][s]``, ``mCE = mean_c CE_c``;
* relative ``rCE_c = sum_s (E[c][s] - E_clean) / sum_s (E_ref[c][s] - E_ref_clean)``, ``relative mCE``;
* without a reference: the mean corruption error ``mean_{c,s} E[c][s]`` (unnormalised).

Values are fractions (multiply by 100 for the usual percentages).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np


def corruption_errors(
    correct: Mapping[str, Sequence[np.ndarray]],
) -> dict[str, list[float]]:
    """Per corruption, the error at each severity from per-image correctness arrays (bool)."""
    return {c: [float(1.0 - np.mean(np.asarray(a, bool))) for a in arrs] for c, arrs in correct.items()}


def ce(errors: Sequence[float], ref_errors: Sequence[float]) -> float:
    """Corruption error of one corruption: summed error over severities / the reference's."""
    den = float(np.sum(ref_errors))
    return float(np.sum(errors)) / den if den > 0 else float("nan")


def relative_ce(
    errors: Sequence[float], clean: float, ref_errors: Sequence[float], ref_clean: float
) -> float:
    """Relative CE: the error *increase* over clean, summed over severities, over the reference's."""
    den = float(np.sum(np.asarray(ref_errors) - ref_clean))
    num = float(np.sum(np.asarray(errors) - clean))
    return num / den if abs(den) > 1e-12 else float("nan")


@dataclass
class RobustnessSummary:
    """Errors per corruption/severity and the CE family of numbers (reference optional)."""

    clean_error: float
    errors: dict[str, list[float]]
    reference: str | None = None
    ref_clean_error: float | None = None
    ref_errors: dict[str, list[float]] | None = None
    ce: dict[str, float] = field(default_factory=dict)
    relative_ce: dict[str, float] = field(default_factory=dict)
    mce: float | None = None
    relative_mce: float | None = None
    mean_corruption_error: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarize(
    clean_error: float,
    errors: Mapping[str, Sequence[float]],
    reference: str | None = None,
    ref_clean_error: float | None = None,
    ref_errors: Mapping[str, Sequence[float]] | None = None,
) -> RobustnessSummary:
    """CE, relative CE, mCE and relative mCE against ``reference`` (when given) + mean error."""
    errs = {c: [float(e) for e in v] for c, v in errors.items()}
    out = RobustnessSummary(
        clean_error=float(clean_error),
        errors=errs,
        mean_corruption_error=float(np.mean([e for v in errs.values() for e in v])) if errs else float("nan"),
    )
    if ref_errors is not None and ref_clean_error is not None:
        missing = set(errs) - set(ref_errors)
        if missing:
            raise ValueError(f"reference lacks corruption(s) {sorted(missing)}")
        out.reference, out.ref_clean_error = reference, float(ref_clean_error)
        out.ref_errors = {c: [float(e) for e in ref_errors[c]] for c in errs}
        out.ce = {c: ce(errs[c], out.ref_errors[c]) for c in errs}
        out.relative_ce = {
            c: relative_ce(errs[c], clean_error, out.ref_errors[c], ref_clean_error) for c in errs
        }
        out.mce = float(np.mean(list(out.ce.values())))
        out.relative_mce = float(np.nanmean(list(out.relative_ce.values())))
    return out
