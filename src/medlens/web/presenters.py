"""Turn a Case row into what pages, the API and the PDF show (localized texts, sorted probabilities)."""

from __future__ import annotations

from typing import Any

from medlens import DISCLAIMER_EN, DISCLAIMER_KO
from medlens.db import Case
from medlens.tasks import TaskSpec, get_task
from medlens.tasks.derived import derive
from medlens.web.i18n import translate
from medlens.web.services.enrich import heatmap_pending, needs_lesion
from medlens.web.services.urgency import hours_left


def disclaimer(lang: str) -> str:
    return DISCLAIMER_KO if lang == "ko" else DISCLAIMER_EN


def _heads(spec: TaskSpec, pred: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """Every head the prediction has (several-head tasks), with its titles from the task."""
    out = []
    for head in spec.heads:
        hp = (pred.get("heads") or {}).get(head.name)
        if not hp:
            continue
        top = max(hp, key=hp.__getitem__)
        out.append(
            {
                "name": head.name,
                "title": head.title.get(lang),
                "label": top,
                "label_title": head.class_title(top, lang),
                "probabilities": [(head.class_title(k, lang), float(v)) for k, v in hp.items()],
                "p": float(hp[top]),
            }
        )
    return out


def urgency_summary(row: Case, spec: TaskSpec, lang: str) -> dict[str, Any]:
    """Onset hours, whether the case is urgent now, hours left and the banner text (task data)."""
    from medlens.db.tables import utcnow

    left = hours_left(getattr(row, "urgent_until", None), utcnow())
    return {
        "onset_hours": getattr(row, "onset_hours", None),
        "urgent": left is not None,
        "urgent_hours_left": None if left is None else round(left, 1),
        "urgent_text": spec.urgent_text.get(lang) if left is not None and spec.urgent_text else None,
    }


def case_summary(row: Case, lang: str) -> dict[str, Any]:
    """Everything about a case in ``lang``: probabilities (desc), risk label/advice, replies, status."""
    spec = get_task(row.task)
    pred = row.prediction or {}
    probs = sorted((pred.get("probabilities") or {}).items(), key=lambda kv: -kv[1])
    band = None
    tp, thr = pred.get("target_probability"), pred.get("threshold")
    if tp is not None and thr is not None:
        band = spec.risk_for(float(tp), float(thr))
    heads = _heads(spec, pred, lang)
    lesion = pred.get("lesion")
    if lesion and lesion.get("ok"):
        label, advice = lesion.get("tds_label"), lesion.get("tds_advice")
        lesion = {
            **lesion,
            "band_title": label.get(lang) if isinstance(label, dict) else label,
            "band_advice": advice.get(lang) if isinstance(advice, dict) else advice,
        }
    else:
        lesion = None
    return {
        "id": row.id,
        "quality": pred.get("quality"),
        "study": pred.get("study"),
        "modality": spec.modality,
        "lesion": lesion,
        "lesion_pending": needs_lesion(row),
        "task": row.task,
        "task_title": spec.title.get(lang),
        "label": row.predicted_label,
        "label_title": spec.label_title(row.predicted_label, lang),
        "probabilities": [{"name": k, "title": spec.class_title(k, lang), "p": float(v)} for k, v in probs],
        "heads": heads,
        "derived": derive(spec.derived, {h["name"]: h["label"] for h in heads}, lang),
        "target_class": pred.get("target_class"),
        "target_probability": tp,
        "threshold": thr,
        "ood": bool(pred.get("ood")),
        "risk": row.risk or None,
        "risk_label": band.label.get(lang) if band else None,
        "advice": band.advice.get(lang) if band else None,
        "model": f"{row.model_name} v{row.model_version}",
        "model_name": row.model_name,
        "model_version": row.model_version,
        "model_ms": pred.get("model_ms"),
        "status": row.status,
        "status_title": translate(lang, f"status.{row.status}"),
        "submitted": row.submitted_at is not None,
        "feedback_label": row.feedback_label,
        "feedback_title": spec.class_title(row.feedback_label, lang) if row.feedback_label else None,
        "sex": row.sex,
        "age_group": row.age_group,
        "body_site": row.body_site,
        "symptom_onset": row.symptom_onset,
        **urgency_summary(row, spec, lang),
        "created_at": row.created_at.strftime("%Y-%m-%d %H:%M"),
        "has_heatmap": row.heatmap_sha256 is not None or heatmap_pending(row),
        "replies": [
            {
                "author": r.author.name or r.author.email,
                "body": r.body,
                "at": r.created_at.strftime("%Y-%m-%d %H:%M"),
            }
            for r in row.replies
        ],
        "disclaimer": disclaimer(lang),
        "classes": [{"name": c, "title": spec.class_title(c, lang)} for c in spec.classes],
    }
