"""COVID-19 risk calculator: load the tabular model at startup, score one patient, explain the result
in the user's language. Stateless: nothing a user enters is stored or logged."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from medlens.web.i18n import translate
from medlens.web.presenters import disclaimer
from medlens.web.services.risk_input import clean_values

if TYPE_CHECKING:
    from medlens.tabular import RiskModel

log = logging.getLogger(__name__)
RISK_MODEL_DIR = "covid-death"
TOP_FACTORS = 6


def load_risk_model(models_dir: Path) -> RiskModel | None:
    """``models_dir/covid-death`` as a :class:`RiskModel`, or None when absent or unloadable."""
    directory = Path(models_dir) / RISK_MODEL_DIR
    if not (directory / "card.json").exists():
        log.info("no COVID-19 risk model in %s: the risk calculator is off", directory)
        return None
    from medlens.tabular import RiskModel

    try:
        model = RiskModel.load(directory)
    except Exception:
        log.exception("cannot load the COVID-19 risk model from %s: the risk calculator is off", directory)
        return None
    log.info("loaded risk model %s (%d features)", model.card.name, len(model.features))
    return model


def _label(field: dict[str, Any], lang: str) -> str:
    return str(field.get("label_ko") if lang == "ko" else field.get("label")) or field["name"]


def choice_title(value: str, lang: str) -> str:
    return translate(lang, f"risk.choice.{value}")


def form_schema(model: RiskModel, lang: str) -> list[dict[str, Any]]:
    """The model's feature schema with ``title`` (label in ``lang``), localized choice titles and help."""
    out = []
    for field in model.feature_schema():
        f = dict(field)
        f["title"] = _label(field, lang)
        if f.get("type") == "choice":
            f["choice_titles"] = {c: choice_title(c, lang) for c in f["choices"]}
        f["hint"] = field.get("hint_ko" if lang == "ko" else "hint", "")
        out.append(f)
    return out


def _metric(model: RiskModel, name: str) -> float | None:
    value = (model.card.metrics.get(name) or {}).get("value")
    return float(value) if value is not None else None


def model_info(model: RiskModel, lang: str) -> dict[str, Any]:
    """Name, version, operating point and test metrics of the model, with plain-language explanations."""
    card = model.card
    recall = _metric(model, "recall") or card.thresholds.val_recall or card.thresholds.target_recall or 0.0
    precision = _metric(model, "precision") or card.thresholds.val_precision or 0.0
    auroc = _metric(model, "auroc")
    n_test = card.data.n_test or 0
    return {
        "model_name": card.name,
        "model_version": f"{card.medlens_version} ({card.created[:10]}, sha256 {card.weights_sha256[:12]})",
        "threshold": model.threshold,
        "operating_point": translate(
            lang,
            "risk.operating_point",
            threshold=f"{model.threshold:.0%}",
            recall=f"{recall:.0%}",
            precision=f"{precision:.0%}",
        ),
        "data_source": translate(
            lang, "risk.source", n=f"{n_test:,}", auroc=f"{auroc:.2f}" if auroc is not None else "?"
        ),
        "limitations": [translate(lang, f"risk.limit.{i}") for i in range(1, 6)],
        "disclaimer": disclaimer(lang),
    }


def _value_title(field: dict[str, Any], value: Any, values: dict[str, Any], lang: str) -> str:
    if field.get("type") == "integer":
        return str(value)
    if field["name"] == "PREGNANT" and values.get("SEX") == "male":
        return translate(lang, "risk.choice.not_applicable")
    return choice_title(str(value), lang)


def assess(model: RiskModel, raw: dict[str, Any], lang: str) -> dict[str, Any]:
    """Validate ``raw`` (422 naming the field), score it and explain the top factors in ``lang``."""
    schema = {f["name"]: f for f in model.feature_schema()}
    values = clean_values(list(schema.values()), raw)
    result = model.predict_one(values, top_k=TOP_FACTORS)
    level = "high" if result.at_risk else "low"
    factors = []
    for feature, contribution in result.top_factors:
        field = schema[feature]
        direction = "raises" if contribution > 0 else "lowers"
        factors.append(
            {
                "feature": feature,
                "label": _label(field, lang),
                "value": values[feature],
                "value_label": _value_title(field, values[feature], values, lang),
                "contribution": contribution,
                "direction": direction,
                "direction_label": translate(lang, f"risk.{direction}"),
            }
        )
    return {
        "probability": result.probability,
        "at_risk": result.at_risk,
        "threshold": result.threshold,
        "level": level,
        "level_label": translate(lang, f"risk.level.{level}"),
        "advice": translate(lang, f"risk.advice.{level}"),
        "top_factors": factors,
        "inputs": values,
        "language": lang,
        **{k: v for k, v in model_info(model, lang).items() if k != "threshold"},
    }
