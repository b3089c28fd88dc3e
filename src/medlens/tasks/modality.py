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
    allowed), ``"camera"`` (blur, exposure and size only), ``"xray"`` (radiograph files: exposure, size
    down to the model input, grayscale; no camera rules or advice).

    ``camera`` is False for images that come as files from a scanner (radiographs): the web pages then
    speak of an image or film and its checks, never of a photo, focus or retaking it.
    """

    name: str
    title: Text  # what the patient uploads, e.g. "Skin spot or mole photo"
    accepts_dicom: bool = False
    grayscale: bool = False  # models see luminance replicated to 3 channels
    lesion_analysis: bool = False  # ABCD features of a single pigmented lesion make sense
    quality_profile: str = "camera"
    asks_body_site: bool = False
    default_body_site: str = "unknown"
    capture: Text | None = None  # which device/test fits, told to the patient before they choose
    camera: bool = True  # taken with a camera (photo wording and retake advice apply)
    follow_up: bool = False  # photos of one lesion can be linked over time (body map on the upload form)


DERMOSCOPE = Text(
    "Needs a dermoscope photo (a dermoscope or a phone dermoscope lens on the skin); an ordinary "
    "phone photo is not what this model learned from.",
    "더모스코프 사진이 필요합니다(더모스코프나 휴대폰용 더모스코프 렌즈를 피부에 대고 촬영). "
    "일반 휴대폰 사진으로 학습한 모델이 아닙니다.",
)
PHONE = Text(
    "An ordinary phone photo in good light works.",
    "밝은 곳에서 찍은 일반 휴대폰 사진이면 됩니다.",
)


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
        capture=DERMOSCOPE,
        follow_up=True,
    )
)
register_modality(
    Modality(
        "skin-photo",
        T("Skin rash photo", "피부 발진 사진"),
        quality_profile="skin",
        asks_body_site=True,
        capture=PHONE,
    )
)
register_modality(
    Modality(
        "scalp-photo",
        T("Scalp photo", "두피 사진"),
        quality_profile="scalp",
        asks_body_site=True,
        default_body_site="scalp",
        capture=Text(
            "A close phone photo of the scalp (or a scalp-microscope photo) works.",
            "두피를 가까이 찍은 휴대폰 사진(또는 두피 현미경 사진)이면 됩니다.",
        ),
    )
)
register_modality(
    Modality(
        "chest-xray",
        T("Chest X-ray image", "흉부 X선 영상"),
        accepts_dicom=True,
        grayscale=True,
        quality_profile="xray",
        camera=False,
        capture=T(
            "The X-ray file from the clinic (DICOM, PNG or JPEG).",
            "병원에서 받은 X선 파일(DICOM, PNG, JPEG).",
        ),
    )
)
register_modality(Modality("tabular", T("Questionnaire", "설문")))
