"""medlens: open AI screening of medical images.

medlens screens and refers; it never diagnoses. Every result it produces is a screening
aid for a clinician, not a medical diagnosis.
"""

__version__ = "0.1.0"

DISCLAIMER_EN = (
    "medlens is a screening aid, not a diagnosis. Its results can be wrong; "
    "a clinician must confirm any finding."
)
DISCLAIMER_KO = (
    "medlens는 선별(스크리닝) 보조 도구이며 진단이 아닙니다. 결과는 틀릴 수 있으며, "
    "모든 소견은 반드시 의료진의 확인이 필요합니다."
)
