"""Scalp type from the six symptom grades: a documented rule table (AI-Hub's eight types).

The AI-Hub "유형별 두피 이미지" release names eight scalp types: 양호 (good), 건성 (dry), 지성 (oily),
민감성 (sensitive), 지루성 (seborrheic), 염증성 (inflammatory), 비듬성 (dandruff) and 탈모성
(hair loss). Our rules, one per type (a scalp can match several; each rule is tested on its own):

| type          | matches when                                                | severity = grade of  |
|---------------|-------------------------------------------------------------|----------------------|
| hair_loss     | hair_loss >= 1                                              | hair_loss            |
| inflammatory  | erythema_pustules >= 1                                      | erythema_pustules    |
| seborrheic    | excess_sebum >= 1 and erythema_interfollicular >= 1         | max of the two       |
| dandruff      | dandruff >= 1                                               | dandruff             |
| sensitive     | erythema_interfollicular >= 1 and excess_sebum == 0         | erythema_interfoll.  |
| oily          | excess_sebum >= 1 and erythema_interfollicular == 0         | excess_sebum         |
| dry           | fine_dandruff >= 1 and excess_sebum == 0                    | fine_dandruff        |
| good          | every grade is 0                                            | -                    |

Severity: grade 1 mild, 2 moderate, 3 severe. The headline type is the matching type with the highest
severity; ties go to the earlier row (hair loss and inflammation first, because they most need a
clinician). A scalp with only fine dandruff *and* excess sebum matches "oily" (not "dry").
This is a screening description of a photo, not a diagnosis; the care advice is general hygiene
advice, never treatment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from medlens.tasks.derived import DERIVERS, TAG_SETS, DerivedResult
from medlens.tasks.text import Text

T = Text
SYMPTOMS = (
    "fine_dandruff",
    "excess_sebum",
    "erythema_interfollicular",
    "erythema_pustules",
    "dandruff",
    "hair_loss",
)
SEVERITY = {1: T("mild", "경증"), 2: T("moderate", "중등도"), 3: T("severe", "중증")}


@dataclass(frozen=True)
class ScalpType:
    name: str
    title: Text
    features: Text
    care: Text


TYPES: dict[str, ScalpType] = {
    t.name: t
    for t in (
        ScalpType(
            "hair_loss",
            T("Hair-loss type scalp", "탈모성 두피"),
            T(
                "Thinner hair and fewer hairs per follicle than expected.",
                "모발이 가늘고 모낭당 모발 수가 적습니다.",
            ),
            T(
                "Wash gently and avoid tight hairstyles and harsh perms or dyes. Hair loss has many causes "
                "(hormones, stress, iron or thyroid problems): if it continues or is patchy, see a "
                "dermatologist.",
                "순하게 감고 꽉 묶는 머리, 잦은 펌·염색을 피하세요. 탈모 원인은 다양하므로(호르몬, 스트레스, "
                "철분·갑상선 문제) 계속되거나 동전 모양으로 빠지면 피부과 전문의와 상담하세요.",
            ),
        ),
        ScalpType(
            "inflammatory",
            T("Inflammatory type scalp", "염증성 두피"),
            T("Red follicles, some with pus spots.", "모낭 주위가 붉고 일부에 고름 물집이 보입니다."),
            T(
                "Do not squeeze or scratch; keep the scalp clean and dry, and share no combs or towels. "
                "Painful, spreading or lasting spots need a dermatologist.",
                "짜거나 긁지 말고 두피를 깨끗하고 건조하게 유지하며 빗·수건을 함께 쓰지 마세요. 아프거나 "
                "번지거나 오래가면 피부과 진료가 필요합니다.",
            ),
        ),
        ScalpType(
            "seborrheic",
            T("Seborrheic type scalp", "지루성 두피"),
            T("Oily scalp with redness between the follicles.", "피지가 많고 모낭 사이가 붉습니다."),
            T(
                "Wash daily or every other day with a mild shampoo and rinse well; dry the scalp fully. "
                "Itching, yellow scales or redness that lasts should be seen by a dermatologist.",
                "순한 샴푸로 매일 또는 이틀에 한 번 감고 잘 헹군 뒤 두피를 완전히 말리세요. 가려움, 노란 각질, "
                "붉은기가 계속되면 피부과 진료를 받으세요.",
            ),
        ),
        ScalpType(
            "dandruff",
            T("Dandruff type scalp", "비듬성 두피"),
            T("Large white or yellowish flakes.", "크고 하얗거나 누런 각질(비듬)이 보입니다."),
            T(
                "Wash regularly and rinse shampoo out fully; avoid scratching. Dandruff that does not "
                "improve in a few weeks should be checked by a clinician.",
                "규칙적으로 감고 샴푸를 충분히 헹구며 긁지 마세요. 몇 주가 지나도 나아지지 않으면 진료를 받으세요.",
            ),
        ),
        ScalpType(
            "sensitive",
            T("Sensitive type scalp", "민감성 두피"),
            T("Redness between the follicles without excess oil.", "피지 과다 없이 모낭 사이가 붉습니다."),
            T(
                "Use lukewarm water and a fragrance-free mild shampoo; avoid hot blow-drying and strong "
                "sun. New products: try a small patch first.",
                "미지근한 물과 무향의 순한 샴푸를 쓰고, 뜨거운 드라이와 강한 햇빛을 피하세요. 새 제품은 "
                "먼저 좁은 부위에 시험해 보세요.",
            ),
        ),
        ScalpType(
            "oily",
            T("Oily type scalp", "지성 두피"),
            T("Shiny, oily scalp.", "두피가 번들거리고 피지가 많습니다."),
            T(
                "Wash daily with a mild shampoo, rinse well and dry the scalp; avoid heavy oils and "
                "styling products on the scalp.",
                "순한 샴푸로 매일 감고 잘 헹군 뒤 말리세요. 두피에 무거운 오일이나 스타일링 제품을 피하세요.",
            ),
        ),
        ScalpType(
            "dry",
            T("Dry type scalp", "건성 두피"),
            T(
                "Fine white scale (micro-keratin) without excess oil.",
                "피지 과다 없이 미세한 흰 각질이 있습니다.",
            ),
            T(
                "Wash less often with lukewarm water and a mild moisturising shampoo; avoid hot water "
                "and hot blow-drying.",
                "미지근한 물과 보습 샴푸로 너무 자주 감지 말고, 뜨거운 물과 뜨거운 드라이를 피하세요.",
            ),
        ),
        ScalpType(
            "good",
            T("Good scalp", "양호한 두피"),
            T("No symptom was graded above 0.", "0보다 높은 등급의 증상이 없습니다."),
            T("Keep your usual gentle care.", "지금처럼 순하게 관리하세요."),
        ),
    )
}
ORDER = tuple(TYPES)  # precedence for ties
# care products are tagged with these type names (the headline type first on a result)
TAG_SETS.register("scalp-type", {name: t.title for name, t in TYPES.items()})


def _g(grades: Mapping[str, int], name: str) -> int:
    value = int(grades.get(name, 0))
    if not 0 <= value <= 3:
        raise ValueError(f"{name} grade must be 0-3, got {value}")
    return value


def matching_types(grades: Mapping[str, int]) -> list[tuple[str, int]]:
    """Every type the grades match, with its severity (1-3; 0 for "good"), in rule order."""
    fine, sebum, inter, pust, flakes, loss = (_g(grades, s) for s in SYMPTOMS)
    rules: list[tuple[str, bool, int]] = [
        ("hair_loss", loss >= 1, loss),
        ("inflammatory", pust >= 1, pust),
        ("seborrheic", sebum >= 1 and inter >= 1, max(sebum, inter)),
        ("dandruff", flakes >= 1, flakes),
        ("sensitive", inter >= 1 and sebum == 0, inter),
        ("oily", sebum >= 1 and inter == 0, sebum),
        ("dry", fine >= 1 and sebum == 0, fine),
    ]
    found = [(name, sev) for name, ok, sev in rules if ok]
    return found or [("good", 0)]


def scalp_type(grades: Mapping[str, int]) -> tuple[str, int]:
    """The headline type and its severity: highest severity, ties by rule order."""
    found = matching_types(grades)
    return max(found, key=lambda ts: (ts[1], -ORDER.index(ts[0])))


def type_title(name: str, severity: int, lang: str) -> str:
    title = TYPES[name].title.get(lang)
    return f"{title}, {SEVERITY[severity].get(lang)}" if severity else title


@DERIVERS.decorator("scalp-type")
def scalp_type_result(grades: Mapping[str, str], lang: str) -> DerivedResult | None:
    """The derived result shown on the page and PDF; None when a head's grade is missing or not 0-3."""
    try:
        values = {s: int(grades[s]) for s in SYMPTOMS}
        name, severity = scalp_type(values)
    except (KeyError, ValueError):
        return None
    t = TYPES[name]
    items = [
        (T("Features", "특징").get(lang), t.features.get(lang)),
        (T("Care", "관리").get(lang), t.care.get(lang)),
    ]
    matched = [(n, s) for n, s in matching_types(values) if n != name]
    if matched:
        items.append(
            (T("Also matches", "함께 해당").get(lang), ", ".join(type_title(n, s, lang) for n, s in matched))
        )
    return DerivedResult(
        key="scalp-type",
        title=T("Scalp type", "두피 유형").get(lang),
        headline=type_title(name, severity, lang),
        items=items,
        note=T(
            "Derived from the six grades by a fixed rule table; general care advice, not treatment.",
            "6개 증상 등급에서 정해진 규칙표로 구한 유형입니다. 일반적인 관리 안내이며 치료가 아닙니다.",
        ).get(lang),
        tags=(name, *(n for n, _ in matched)),
    )
