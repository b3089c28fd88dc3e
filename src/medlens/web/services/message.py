"""One message per result: the model, its conformal set, the input checks and the ABCD features give a
single risk and advice, by one documented rule. Disagreements become reasons for clinician review.

The rule, in order:

1. **Doubt about the input** (the energy OOD gate fired, the source gate found the image far from
   every training source, or the quality report has issues): *abstain and refer*: no verdict, a
   clinician should look at the photo.
2. **The conformal set holds more than one class** (the model cannot tell them apart at the card's
   coverage level): *abstain and refer*, naming the classes.
3. Otherwise the model's risk band (target probability against the card's operating threshold) is
   the verdict: its level and its advice.
4. **ABCD cross-check** (skin photos with lesion features): the Total Dermoscopy Score band maps to a
   level (benign -> low, suspicious -> moderate, highly suspicious -> high). When it differs from the
   model's level, the *more cautious* of the two is shown and the disagreement is listed as a reason
   for clinician review; the ABCD box itself shows features, never a second verdict.
5. **Another test on the same photo** (the owner screened the same stored image with another task):
   when its risk level differs, that is a reason for clinician review, with the kind of photo this
   test is made for; this result's own level is not changed by another model.

A referral keeps the model's level when that is ``high`` (the queue still sorts it first) and is
otherwise at least ``moderate``: "see a clinician" is never shown as low risk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from medlens.tasks import TaskSpec
from medlens.web.i18n import translate

LEVELS = ("low", "moderate", "high")
ABCD_LEVEL = {"benign": "low", "suspicious": "moderate", "highly_suspicious": "high"}


@dataclass
class ResultMessage:
    """What the patient and the clinician read about one result (already in the page's language)."""

    outcome: str  # "result" (a verdict) | "refer" (abstain and refer to a clinician)
    level: str | None  # "low" | "moderate" | "high"; None when the task has no risk bands
    title: str
    advice: str
    reasons: list[str] = field(default_factory=list)  # reasons for clinician review
    set_titles: list[str] = field(default_factory=list)  # the conformal set, most likely first
    coverage: float | None = None  # 1 - alpha of the card's conformal block

    @property
    def abstain(self) -> bool:
        return self.outcome == "refer"

    @property
    def needs_review(self) -> bool:
        return self.abstain or bool(self.reasons)


def _higher(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a or b
    return a if LEVELS.index(a) >= LEVELS.index(b) else b


def _join(titles: list[str], lang: str) -> str:
    if len(titles) == 2:
        return translate(lang, "message.pair", a=titles[0], b=titles[1])
    return ", ".join(titles)


def _band_texts(spec: TaskSpec, level: str | None, lang: str) -> tuple[str, str]:
    for band in spec.risk_bands:
        if band.level == level:
            return band.label.get(lang), band.advice.get(lang)
    return "", ""


def far_reason(pred: dict[str, Any], lang: str) -> str:
    """Why the source gate referred the image: the nearest training source and the distance that
    crossed its threshold (or the part outside every training direction that did)."""
    dist, thr = pred.get("source_distance"), pred.get("source_threshold")
    res, rthr = pred.get("source_residual"), pred.get("source_residual_threshold")
    nearest = str(pred.get("nearest_source") or "?")
    if dist is not None and thr is not None and float(dist) > float(thr):
        return translate(lang, "message.reason_far", nearest=nearest, distance=f"{float(dist):.3f}",
                         threshold=f"{float(thr):.3f}")  # fmt: skip
    if res is not None and rthr is not None:
        return translate(lang, "message.reason_far_residual", nearest=nearest, residual=f"{float(res):.3f}",
                         threshold=f"{float(rthr):.3f}")  # fmt: skip
    return translate(lang, "message.reason_far", nearest=nearest, distance="?", threshold="?")


def result_message(
    spec: TaskSpec,
    pred: dict[str, Any],
    lesion: dict[str, Any] | None,
    lang: str,
    same_photo: Sequence[tuple[TaskSpec, str | None]] = (),
) -> ResultMessage:
    """Apply the rule above to one stored prediction (+ its ABCD features when present, + the
    ``(task, risk level)`` of other tests run on the same photo)."""
    tp, thr = pred.get("target_probability"), pred.get("threshold")
    band = spec.risk_for(float(tp), float(thr)) if tp is not None and thr is not None else None
    model_level = band.level if band else None
    pset = list(pred.get("prediction_set") or [])
    alpha = pred.get("conformal_alpha")
    set_titles = [spec.class_title(c, lang) for c in pset]
    reasons: list[str] = []
    quality = pred.get("quality") or {}
    film = not spec.modality_info.camera  # a scanner's file (X-ray), not a photo: no camera words
    if pred.get("ood"):
        reasons.append(translate(lang, "case.ood_xray" if film else "message.reason_ood"))
    if pred.get("source_ood"):
        reasons.append(far_reason(pred, lang))
    if quality and (quality.get("ok") is False or quality.get("issues")):
        reasons.append(translate(lang, "message.reason_quality_xray" if film else "message.reason_quality"))
    if len(pset) > 1:
        reasons.append(translate(lang, "message.reason_set", classes=_join(set_titles, lang)))
    abstain = bool(reasons)
    level = model_level
    abcd = ABCD_LEVEL.get(str((lesion or {}).get("tds_band")))
    if abcd is not None and model_level is not None and abcd != model_level:
        reasons.append(
            translate(
                lang,
                "message.reason_abcd",
                abcd=translate(lang, f"message.level.{abcd}"),
                model=translate(lang, f"message.level.{model_level}"),
            )
        )
        level = _higher(model_level, abcd)
    for other, other_level in same_photo:
        if other_level and model_level and other_level != model_level:
            capture = spec.modality_info.capture
            reasons.append(
                translate(
                    lang,
                    "message.reason_other_test",
                    task=other.title.get(lang),
                    level=translate(lang, f"message.level.{other_level}"),
                    fits=capture.get(lang) if capture else spec.modality_info.title.get(lang),
                )
            )
    if abstain:
        level = _higher(level, "moderate") if level is not None else None
        title, advice = translate(lang, "message.refer_title"), translate(lang, "message.refer_advice")
    else:
        title, advice = _band_texts(spec, level, lang)
        if reasons:  # the ABCD disagreement: the cautious level's advice, and a clinician's look
            advice = f"{advice} {translate(lang, 'message.review_advice')}".strip()
    return ResultMessage(
        outcome="refer" if abstain else "result",
        level=level,
        title=title,
        advice=advice,
        reasons=reasons,
        set_titles=set_titles,
        coverage=None if alpha is None else 1 - float(alpha),
    )
