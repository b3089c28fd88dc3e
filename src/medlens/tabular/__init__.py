"""COVID-19 tabular risk models (seed 003): loader, targets, group-aware split, estimators,
serving-side :class:`RiskModel`. Importing this package never imports torch."""

from medlens.tabular.card import TabularCard
from medlens.tabular.risk import RiskModel, RiskResult
from medlens.tabular.schema import TabularSchemaError

__all__ = ["RiskModel", "RiskResult", "TabularCard", "TabularSchemaError"]
