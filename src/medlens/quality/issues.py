"""Capture-quality issue codes with their messages and retake advice (English and Korean)."""

from __future__ import annotations

from dataclasses import dataclass

from medlens.tasks.spec import Text


@dataclass(frozen=True)
class QualityIssue:
    """One problem found in a photo: a stable ``code``, what is wrong, and how to retake it."""

    code: str
    message: Text
    retake_advice: Text

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": {"en": self.message.en, "ko": self.message.ko},
            "retake_advice": {"en": self.retake_advice.en, "ko": self.retake_advice.ko},
        }


ISSUES: dict[str, QualityIssue] = {
    issue.code: issue
    for issue in (
        QualityIssue(
            "blurry",
            Text("The photo is blurry.", "사진이 흐릿합니다."),
            Text(
                "Hold the camera still, tap the screen to focus on the spot, and retake the photo.",
                "카메라를 흔들리지 않게 잡고, 화면을 눌러 병변에 초점을 맞춘 뒤 다시 촬영해 주세요.",
            ),
        ),
        QualityIssue(
            "too_dark",
            Text("The photo is too dark.", "사진이 너무 어둡습니다."),
            Text(
                "Take the photo in bright, even daylight or turn on more light; avoid your own shadow.",
                "밝고 고른 자연광 아래에서 촬영하거나 조명을 더 켜 주세요. 그림자가 지지 않게 해 주세요.",
            ),
        ),
        QualityIssue(
            "too_bright",
            Text("The photo is overexposed (too bright).", "사진이 너무 밝습니다(과다 노출)."),
            Text(
                "Turn off the flash and avoid direct sunlight or glare on the skin, then retake.",
                "플래시를 끄고 직사광선이나 피부 반사광을 피해서 다시 촬영해 주세요.",
            ),
        ),
        QualityIssue(
            "low_contrast",
            Text("The photo has very little contrast.", "사진의 명암 대비가 너무 낮습니다."),
            Text(
                "Clean the lens, move closer so the spot fills the centre, and use even light.",
                "렌즈를 닦고, 병변이 화면 중앙을 채우도록 가까이에서 고른 조명으로 촬영해 주세요.",
            ),
        ),
        QualityIssue(
            "too_small",
            Text("The image is too small to analyse.", "이미지 크기가 너무 작아 분석할 수 없습니다."),
            Text(
                "Upload the original photo (not a thumbnail or screenshot), at least 128 pixels on each side.",
                "썸네일이나 캡처가 아닌 원본 사진(가로·세로 128픽셀 이상)을 올려 주세요.",
            ),
        ),
        QualityIssue(
            "not_skin",
            Text(
                "The photo does not seem to show skin.",
                "사진에서 피부가 확인되지 않습니다.",
            ),
            Text(
                "Photograph the skin spot itself, close up, so that skin fills most of the frame.",
                "피부 병변 자체를 가까이에서 촬영해 화면 대부분이 피부로 채워지게 해 주세요.",
            ),
        ),
        QualityIssue(
            "xray_exposure",
            Text(
                "The X-ray image is almost uniformly dark or bright, or has almost no contrast.",
                "X선 영상이 거의 전체가 어둡거나 밝고, 명암 대비가 거의 없습니다.",
            ),
            Text(
                "Upload the original X-ray file from the clinic (DICOM if you have it), not a photo or "
                "screenshot of a screen.",
                "화면을 찍은 사진이나 캡처가 아닌, 병원에서 받은 X선 원본 파일(가능하면 DICOM)을 올려 주세요.",
            ),
        ),
        QualityIssue(
            "not_xray",
            Text(
                "The image is in colour: it does not look like an X-ray.",
                "컬러 영상이라 X선 영상으로 보이지 않습니다.",
            ),
            Text(
                "Upload the chest X-ray file itself (DICOM, PNG or JPEG), not a photo of a screen or of "
                "something else.",
                "화면을 찍은 사진이나 다른 사진이 아닌 흉부 X선 파일 자체(DICOM, PNG, JPEG)를 올려 주세요.",
            ),
        ),
        QualityIssue(
            "xray_lateral",
            Text(
                "The file is a lateral (side) view; the model reads frontal (PA or AP) chest X-rays only.",
                "측면 촬영 영상입니다. 모델은 정면(PA 또는 AP) 흉부 X선만 판독합니다.",
            ),
            Text(
                "Upload the frontal (PA or AP) film of the same study.",
                "같은 검사의 정면(PA 또는 AP) 영상을 올려 주세요.",
            ),
        ),
        QualityIssue(
            "xray_too_small",
            Text(
                "The X-ray image is smaller than the model's input size.",
                "X선 영상이 모델 입력 크기보다 작습니다.",
            ),
            Text(
                "Upload the original X-ray file from the clinic, not a thumbnail.",
                "썸네일이 아닌, 병원에서 받은 X선 원본 파일을 올려 주세요.",
            ),
        ),
    )
}
