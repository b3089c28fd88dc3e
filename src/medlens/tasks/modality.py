"""Imaging modalities as data: what an upload of this kind needs (DICOM, grayscale, ABCD, quality rules).

Web, serving and training read these flags instead of comparing modality names, so a new task with a
new kind of image registers one :class:`Modality` and touches no other file.
"""

from __future__ import annotations

from dataclasses import dataclass

from medlens.registry import Registry
from medlens.tasks.text import Text


@dataclass(frozen=True)
class Modality:
    """How images of one kind are taken, checked and shown.

    ``quality_profile`` picks the capture-quality rules (:func:`medlens.quality.assess_quality`):
    ``"skin"`` (camera photo of skin: blur, exposure, skin fraction), ``"scalp"`` (as skin, mostly hair
    allowed), ``"camera"`` (blur, exposure and size only).
    """

    name: str
    title: Text  # what the patient uploads, e.g. "Skin spot or mole photo"
    accepts_dicom: bool = False
    grayscale: bool = False  # models see luminance replicated to 3 channels
    lesion_analysis: bool = False  # ABCD features of a single pigmented lesion make sense
    quality_profile: str = "camera"
    asks_body_site: bool = False
    default_body_site: str = "unknown"


MODALITIES: Registry[Modality] = Registry("modality")


def register_modality(modality: Modality) -> Modality:
    return MODALITIES.register(modality.name, modality)


def get_modality(name: str) -> Modality:
    return MODALITIES.get(name)


T = Text
register_modality(
    Modality(
        "dermoscopy",
        T("Skin spot or mole photo", "피부 반점·점 사진"),
        lesion_analysis=True,
        quality_profile="skin",
        asks_body_site=True,
    )
)
register_modality(
    Modality(
        "skin-photo", T("Skin rash photo", "피부 발진 사진"), quality_profile="skin", asks_body_site=True
    )
)
register_modality(
    Modality(
        "scalp-photo",
        T("Scalp photo", "두피 사진"),
        quality_profile="scalp",
        asks_body_site=True,
        default_body_site="scalp",
    )
)
register_modality(
    Modality("chest-xray", T("Chest X-ray image", "흉부 X선 영상"), accepts_dicom=True, grayscale=True)
)
register_modality(Modality("tabular", T("Questionnaire", "설문")))
