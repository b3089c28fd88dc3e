"""Prediction targets, cohorts and feature sets (seed 003), with leaking features excluded.

Leakage rules (decided here, documented in the report):
* DATE_DIED defines DEATH: never a feature.
* ICU, INTUBED and HOSPITALISED (PATIENT_TYPE) are decisions taken during care, after the point
  at which a risk screen is useful, and they are strongly tied to the outcomes: excluded for
  death and positivity. For ICU and intubation the other care variable (and DEATH) are outcomes
  of the same stay: excluded; the cohort is hospitalised patients with a known value.
* USMER and MEDICAL_UNIT describe the health-care unit, not the patient; the file gives no labels
  for the 13 unit codes, so a web form could not ask for them: excluded from every group except
  the ablation group ``all_with_unit`` (report only, never deployed).
* COVID_POSITIVE (final classification) is the positivity target; for death among all patients
  it is a feature (the test result is known before the outcome).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from medlens.registry import Registry

DEMOGRAPHIC = ("AGE", "SEX", "PREGNANT")
COMORBIDITIES = (
    "DIABETES", "COPD", "ASTHMA", "INMSUPR", "HIPERTENSION", "OTHER_DISEASE",
    "CARDIOVASCULAR", "OBESITY", "RENAL_CHRONIC", "TOBACCO",
)  # fmt: skip
# The seed's groups (each member of the seed team modelled death from one group).
FEATURE_GROUPS: dict[str, tuple[str, ...]] = {
    "underlying": COMORBIDITIES,
    "chronic": ("DIABETES", "HIPERTENSION", "OBESITY", "RENAL_CHRONIC"),
    "cardiac": ("CARDIOVASCULAR", "HIPERTENSION", "AGE", "SEX"),
    "lung": ("PNEUMONIA", "COPD", "ASTHMA", "TOBACCO"),
    "all": (*DEMOGRAPHIC, "PNEUMONIA", *COMORBIDITIES),
    # The seed's logistic regression for death among confirmed patients (chronic diseases, then
    # PNEUMONIA and AGE added; seed reports recall 0.83, precision 0.45 on its own random split).
    "seed_lr": ("DIABETES", "HIPERTENSION", "OBESITY", "RENAL_CHRONIC", "PNEUMONIA", "AGE"),
    # Ablation: what the care unit adds (not deployable from a patient form).
    "all_with_unit": (*DEMOGRAPHIC, "PNEUMONIA", *COMORBIDITIES, "USMER", "MEDICAL_UNIT"),
}
NEVER_FEATURES = frozenset({"DATE_DIED"})


@dataclass(frozen=True)
class Target:
    name: str
    label: str  # column of the clean frame
    description: str
    cohort: Callable[[pd.DataFrame], np.ndarray]  # boolean mask over the clean frame
    extra_features: tuple[str, ...] = ()  # added to the group's features
    excluded: frozenset[str] = frozenset()  # leaking for this target

    def features(self, group: str = "all") -> list[str]:
        if group not in FEATURE_GROUPS:
            raise ValueError(f"unknown feature group {group!r}; valid: {sorted(FEATURE_GROUPS)}")
        cols = list(FEATURE_GROUPS[group]) + (list(self.extra_features) if group.startswith("all") else [])
        return [c for c in cols if c not in self.excluded and c not in NEVER_FEATURES and c != self.label]

    def select(self, clean: pd.DataFrame) -> np.ndarray:
        """Row indices of the cohort."""
        return np.flatnonzero(self.cohort(clean))


TARGETS: Registry[Target] = Registry("tabular target")
_CARE = frozenset({"ICU", "INTUBED", "HOSPITALISED", "DEATH"})


def _all(df: pd.DataFrame) -> np.ndarray:
    return np.ones(len(df), dtype=bool)


def _positive(df: pd.DataFrame) -> np.ndarray:
    return df["COVID_POSITIVE"].to_numpy() == 1


def _hosp_known(col: str) -> Callable[[pd.DataFrame], np.ndarray]:
    def mask(df: pd.DataFrame) -> np.ndarray:
        v = df[col].to_numpy()
        return _positive(df) & (df["HOSPITALISED"].to_numpy() == 1) & np.isin(v, (0.0, 1.0))

    return mask


for _t in (
    Target("death-positive", "DEATH", "Death among COVID-19 confirmed patients", _positive, excluded=_CARE),
    Target("death-all", "DEATH", "Death among all tested patients", _all, ("COVID_POSITIVE",), _CARE),
    Target("icu", "ICU", "ICU admission among hospitalised confirmed patients", _hosp_known("ICU"), (), _CARE),
    Target("intubation", "INTUBED", "Intubation among hospitalised confirmed patients", _hosp_known("INTUBED"),
           (), _CARE),
    Target("positivity", "COVID_POSITIVE", "COVID-19 confirmed among all tested patients", _all, (), _CARE),
):  # fmt: skip
    TARGETS.register(_t.name, _t)


def get_target(name: str) -> Target:
    return TARGETS.get(name)
