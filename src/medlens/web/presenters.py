"""Turn a Case row into what pages, the API and the PDF show (localized texts, sorted probabilities)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from medlens import DISCLAIMER_EN, DISCLAIMER_KO
from medlens.db import Case
from medlens.tasks import TaskSpec, get_task
from medlens.tasks.derived import DerivedResult, derive
from medlens.web.formatting import format_duration, format_probability, utc_time
from medlens.web.i18n import translate
from medlens.web.services.enrich import heatmap_pending, needs_lesion
from medlens.web.services.message import result_message
from medlens.web.services.urgency import hours_left

CANNOT_ASSESS = "cannot_assess"  # the clinician's verdict when the photo does not allow one


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


def derived_results(row: Case, lang: str) -> list[DerivedResult]:
    """The task's derived results (e.g. a type from several graded heads) for a stored case."""
    spec = get_task(row.task)
    heads = _heads(spec, row.prediction or {}, lang)
    return derive(spec.derived, {h["name"]: h["label"] for h in heads}, lang)


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


def waiting_summary(row: Case) -> float | None:
    """Hours a submitted case has waited for its answer (None when not submitted or answered)."""
    from medlens.db.tables import utcnow

    if row.submitted_at is None or row.status == "answered":
        return None
    return max(0.0, (utcnow() - row.submitted_at).total_seconds() / 3600)


def feedback_title(spec: TaskSpec, label: str | None, lang: str) -> str | None:
    if not label:
        return None
    return (
        translate(lang, "verdict.cannot_assess") if label == CANNOT_ASSESS else spec.class_title(label, lang)
    )


def verdict_choices(spec: TaskSpec, predicted: str, lang: str) -> list[dict[str, str]]:
    """The clinician's options: agree, correct to each *other* class, cannot assess (none preselected)."""
    return [
        {"value": "agree", "title": translate(lang, "review.agree", label=spec.label_title(predicted, lang))},
        *(
            {"value": c, "title": translate(lang, "review.correct_to", label=spec.class_title(c, lang))}
            for c in spec.classes
            if c != predicted
        ),
        {"value": CANNOT_ASSESS, "title": translate(lang, "review.cannot_assess")},
    ]


def case_summary(row: Case, lang: str, same_photo: Sequence[Case] = ()) -> dict[str, Any]:
    """Everything about a case in ``lang``: probabilities (desc), the one result message (risk label,
    advice, reasons for review; ``same_photo``: other tests' cases on this photo), replies, status."""
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
    others = [(get_task(o.task), o.risk or None) for o in same_photo]
    message = result_message(spec, pred, lesion, lang, others)
    waiting = waiting_summary(row)
    target = pred.get("target_class")
    label_note = None
    if tp is not None and thr is not None and target and row.predicted_label != target and tp >= thr:
        # the screening follows P(target) against a low threshold, the "most likely" line the arg-max
        label_note = translate(
            lang,
            "case.label_note",
            target=spec.class_title(target, lang),
            p=format_probability(tp),
            threshold=format_probability(thr),
        )
    return {
        "id": row.id,
        "quality": pred.get("quality"),
        "study": pred.get("study"),
        "camera": spec.modality_info.camera,
        "lesion": lesion,
        "lesion_pending": needs_lesion(row),
        "task": row.task,
        "task_title": spec.title.get(lang),
        "label": row.predicted_label,
        "label_title": spec.label_title(row.predicted_label, lang),
        "label_note": label_note,
        "probabilities": [
            {"name": k, "title": spec.class_title(k, lang), "p": float(v), "text": format_probability(v)}
            for k, v in probs
        ],
        "message": message,
        "abstain": message.abstain,
        "review_reasons": message.reasons,
        "prediction_set": pred.get("prediction_set"),
        "waiting_hours": waiting,
        "patient_note": getattr(row, "patient_note", None),
        "lesion_id": getattr(row, "lesion_id", None),
        "waiting_text": None if waiting is None else format_duration(waiting, lang),
        "heads": heads,
        "derived": derive(spec.derived, {h["name"]: h["label"] for h in heads}, lang),
        "target_class": target,
        "target_probability": tp,
        "threshold": thr,
        "ood": bool(pred.get("ood")) or bool(pred.get("source_ood")),
        "risk": message.level or row.risk or None,
        "risk_label": message.title or (band.label.get(lang) if band else None),
        "advice": message.advice or (band.advice.get(lang) if band else None),
        "model": f"{row.model_name} v{row.model_version}",
        "model_name": row.model_name,
        "model_version": row.model_version,
        "model_ms": pred.get("model_ms"),
        "status": row.status,
        "status_title": translate(lang, f"status.{row.status}"),
        "submitted": row.submitted_at is not None,
        "feedback_label": row.feedback_label,
        "feedback_title": feedback_title(spec, row.feedback_label, lang),
        "sex": row.sex,
        "age_group": row.age_group,
        "body_site": row.body_site,
        "symptom_onset": row.symptom_onset,
        **urgency_summary(row, spec, lang),
        "created_at": utc_time(row.created_at, seconds=False),
        "has_heatmap": row.heatmap_sha256 is not None or heatmap_pending(row),
        # an all-zero map (no region raised the score of the class it explains) is said in words
        "heatmap_empty": bool(pred.get("heatmap_empty")),
        "heatmap_title": spec.class_title(pred.get("heatmap_class") or row.predicted_label, lang),
        "replies": [
            {
                # a staff member without a name by role, never by e-mail address
                "author": r.author.name or translate(lang, f"role.{r.author.role}"),
                "body": r.body,
                "at": utc_time(r.created_at, seconds=False),
            }
            for r in row.replies
        ],
        "disclaimer": disclaimer(lang),
        "classes": [{"name": c, "title": spec.class_title(c, lang)} for c in spec.classes],
        "verdict_choices": verdict_choices(spec, row.predicted_label, lang),
    }


def earlier_summary(row: Case, lang: str) -> dict[str, Any]:
    """One of the patient's earlier cases, as the clinician's review page lists it: date, screening,
    result, risk, status and the clinician's verdict."""
    spec = get_task(row.task)
    return {
        "id": row.id,
        "created_at": row.created_at.strftime("%Y-%m-%d"),
        "task_title": spec.title.get(lang),
        "label_title": spec.label_title(row.predicted_label, lang),
        "risk": row.risk or None,
        "risk_title": translate(lang, f"admin.risk.{row.risk}") if row.risk else None,
        "status_title": translate(lang, f"status.{row.status}"),
        "feedback_title": feedback_title(spec, row.feedback_label, lang),
    }
