"""Validate one patient's COVID-19 risk form / JSON against the model's feature schema.

Every problem is a 422 :class:`AppError` whose message names the field. Nothing here is stored."""

from __future__ import annotations

import math
from typing import Any

from medlens.tasks import Text
from medlens.web.errors import AppError

YES_NO = ("yes", "no", "unknown")
_BOOL = {True: "yes", False: "no"}


def _field_error(key: str, field: dict[str, Any], **params: object) -> AppError:
    """422 naming the field by its code and its label (in the user's language, via ``Text``)."""
    label = Text(en=str(field.get("label", field["name"])), ko=str(field.get("label_ko", field["name"])))
    return AppError(422, key, field=field["name"], label=label, **params)


def _age(field: dict[str, Any], value: Any) -> int:
    lo, hi = int(field.get("min", 0)), int(field.get("max", 125))
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _field_error("error.risk_required", field)
    if isinstance(value, bool):
        raise _field_error("error.risk_age", field, min=lo, max=hi)
    try:
        number = float(str(value).strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: a JSON integer beyond float's range
        raise _field_error("error.risk_age", field, min=lo, max=hi) from None
    if not math.isfinite(number) or number != int(number) or not lo <= number <= hi:
        raise _field_error("error.risk_age", field, min=lo, max=hi)
    return int(number)


def _choice(field: dict[str, Any], value: Any) -> str:
    choices = tuple(field.get("choices", YES_NO))
    if value is None or (isinstance(value, str) and not value.strip()):
        if field.get("required"):
            raise _field_error("error.risk_required", field)
        return str(field.get("default", "unknown"))
    if isinstance(value, bool) and choices == YES_NO:
        return _BOOL[value]
    text = str(value).strip().lower()
    if text not in choices:
        raise _field_error("error.risk_choice", field, choices=" / ".join(choices))
    return text


def clean_values(schema: list[dict[str, Any]], values: dict[str, Any]) -> dict[str, Any]:
    """Form or JSON values -> ``{FIELD: int age | choice string}`` for every schema field.

    Field names are matched case-insensitively; an unknown name, a missing required field, an age that
    is not a whole number in range, or a value outside a field's choices -> 422 naming the field."""
    by_name = {f["name"]: f for f in schema}
    given: dict[str, Any] = {}
    for key, value in values.items():
        name = str(key).strip().upper()
        if name not in by_name:
            raise AppError(422, "error.risk_unknown_field", field=str(key)[:60], fields=", ".join(by_name))
        given[name] = value
    out: dict[str, Any] = {}
    for name, field in by_name.items():
        value = given.get(name)
        out[name] = _age(field, value) if field.get("type") == "integer" else _choice(field, value)
    return out
