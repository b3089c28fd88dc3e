"""Total Dermoscopy Score (ABCD rule of Stolz et al.) and its screening bands.

TDS = 1.3·A + 0.1·B + 0.5·C + 0.5·D. In Stolz's rule D counts *differential structures*; like many
automated systems medlens substitutes a diameter score (1–5), documented in ``diameter_score``.
The bands are screening aids only: medlens never diagnoses.
"""

from __future__ import annotations

from medlens.tasks.spec import Text

TDS_BENIGN_MAX = 4.75
TDS_SUSPICIOUS_MAX = 5.45
#: Diameter bins (mm): D = 1 + number of limits exceeded, so 1 (≤ 2 mm) … 5 (> 8 mm).
DIAMETER_LIMITS_MM = (2.0, 4.0, 6.0, 8.0)
#: Without a scale, the field of view assumed to convert image fraction to mm (a typical dermoscope field).
ASSUMED_FIELD_OF_VIEW_MM = 20.0

TDS_BANDS: dict[str, tuple[Text, Text]] = {
    "benign": (
        Text("ABCD score in the benign range", "ABCD 점수가 양성 범위입니다"),
        Text(
            "Keep watching the spot; see a doctor if it changes in size, shape or colour.",
            "점의 크기·모양·색 변화를 계속 살펴보고, 변화가 있으면 진료를 받으세요.",
        ),
    ),
    "suspicious": (
        Text("ABCD score suspicious", "ABCD 점수가 의심 범위입니다"),
        Text(
            "Have the spot checked by a dermatologist in the coming weeks.",
            "수 주 안에 피부과 전문의에게 확인을 받으세요.",
        ),
    ),
    "highly_suspicious": (
        Text("ABCD score highly suspicious of melanoma", "ABCD 점수가 흑색종이 강하게 의심되는 범위입니다"),
        Text(
            "See a dermatologist soon; this is a screening result, not a diagnosis.",
            "가능한 빨리 피부과 전문의의 진료를 받으세요. 이 결과는 선별 검사이며 진단이 아닙니다.",
        ),
    ),
}


def diameter_score(diameter_mm: float) -> int:
    """D score 1..5 from the lesion diameter in mm (see ``DIAMETER_LIMITS_MM``)."""
    return 1 + sum(diameter_mm > lim for lim in DIAMETER_LIMITS_MM)


def total_dermoscopy_score(a: int, b: int, c: int, d: int) -> float:
    """TDS = 1.3·A + 0.1·B + 0.5·C + 0.5·D (A 0–2, B 0–8, C 1–6, D 1–5)."""
    if not (0 <= a <= 2 and 0 <= b <= 8 and 1 <= c <= 6 and 1 <= d <= 5):
        raise ValueError(f"ABCD scores out of range: A={a} (0-2), B={b} (0-8), C={c} (1-6), D={d} (1-5)")
    return round(1.3 * a + 0.1 * b + 0.5 * c + 0.5 * d, 2)


def tds_band(tds: float) -> str:
    """'benign' (< 4.75), 'suspicious' (4.75–5.45) or 'highly_suspicious' (> 5.45)."""
    if tds < TDS_BENIGN_MAX:
        return "benign"
    if tds <= TDS_SUSPICIOUS_MAX:
        return "suspicious"
    return "highly_suspicious"
