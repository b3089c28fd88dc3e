"""The built-in screening tasks (seeds 000–004)."""

from __future__ import annotations

from medlens.tasks import register_task
from medlens.tasks.schema import Head
from medlens.tasks.spec import Reference, RiskBand, TaskSpec
from medlens.tasks.text import Text

T = Text
R = Reference

SEE_DOCTOR_SOON = T(
    "The picture shows features that should be checked. Please send this result to a clinician "
    "and book a visit within 1-2 weeks.",
    "사진에서 확인이 필요한 특징이 보입니다. 이 결과를 의료진에게 보내고 1~2주 안에 진료를 예약하세요.",
)
SEE_DOCTOR_NOW = T(
    "The picture shows features often seen in serious conditions. Please send this result to a "
    "clinician today and see a doctor as soon as you can.",
    "사진에서 심각한 질환에서 자주 보이는 특징이 보입니다. 오늘 이 결과를 의료진에게 보내고 가능한 한 빨리 진료를 받으세요.",
)
WATCH = T(
    "No worrying features were found. Keep watching it: if it grows, changes colour or shape, "
    "bleeds or itches, take a new photo and ask a clinician.",
    "걱정할 만한 특징은 발견되지 않았습니다. 계속 관찰하세요. 커지거나 색·모양이 변하거나 피가 나거나 가려우면 다시 촬영하고 의료진에게 문의하세요.",
)

LOW = T("Low", "낮음")
MODERATE = T("Moderate", "중간")
HIGH = T("High", "높음")


def _bands(watch: Text = WATCH) -> tuple[RiskBand, ...]:
    return (
        RiskBand("low", 0.0, LOW, watch),
        RiskBand("moderate", "threshold", MODERATE, SEE_DOCTOR_SOON),
        RiskBand("high", 0.80, HIGH, SEE_DOCTOR_NOW),
    )


SKIN_GUIDE = T(
    "Use daylight, no flash. Hold the phone 10-15 cm away, lesion in the centre, in focus. "
    "Put a coin or ruler beside it for scale.",
    "자연광에서 플래시 없이 촬영하세요. 10~15cm 거리에서 병변을 가운데에 두고 초점을 맞추세요. 크기 비교를 위해 동전이나 자를 옆에 두세요.",
)

HAM_TEXT = {
    "akiec": T("Actinic keratosis / intraepithelial carcinoma", "광선각화증 / 상피내암"),
    "bcc": T("Basal cell carcinoma", "기저세포암"),
    "bkl": T("Benign keratosis", "양성 각화증"),
    "df": T("Dermatofibroma", "피부섬유종"),
    "mel": T("Melanoma", "흑색종"),
    "nv": T("Melanocytic nevus (mole)", "멜라닌세포 모반(점)"),
    "vasc": T("Vascular lesion", "혈관 병변"),
}

register_task(
    TaskSpec(
        name="skin-lesion",
        title=T("Skin lesion (7 classes, HAM10000)", "피부 병변 (7종, HAM10000)"),
        heads=(
            Head("label", ("akiec", "bcc", "bkl", "df", "mel", "nv", "vasc"), T("Lesion type", "병변 종류")),
        ),
        target="mel",
        modality="dermoscopy",
        input_size=224,
        risk_bands=_bands(),
        class_text=HAM_TEXT,
        photo_guide=SKIN_GUIDE,
        floors={"balanced_accuracy": 0.60, "auroc_macro": 0.90},
        published=(
            R(
                "ISIC 2018 task 3 top entries (full-res, ensembles, external data)",
                "balanced multiclass accuracy ~0.85-0.89 (official test)",
            ),
            R("Seed 000 (5 classes, 9:1 split, leaky)", "accuracy ~0.95"),
            R("medlens floors (split by lesion_id)", "balanced accuracy >= 0.60, macro AUROC >= 0.90"),
        ),
        limitations=(
            "Trained on HAM10000 low-resolution (200x150) dermoscopy images from two centres (Austria, "
            "Australia), mostly fair skin; not validated on phone photos or darker skin.",
            "HAM10000 is CC BY-NC 4.0: the model must not be used commercially.",
        ),
        sources=("ham10000",),
    )
)

register_task(
    TaskSpec(
        name="skin-lesion-5",
        title=T("Skin cancer screening (5 classes, seed 000)", "피부암 선별 (5종)"),
        heads=(
            Head(
                "label",
                ("melanoma", "nevus", "bcc", "seborrheic_keratosis", "other_benign"),
                T("Lesion type", "병변 종류"),
            ),
        ),
        target="melanoma",
        modality="dermoscopy",
        input_size=96,
        risk_bands=_bands(),
        class_text={
            "melanoma": T("Melanoma", "흑색종"),
            "nevus": T("Nevus (mole)", "모반(점)"),
            "bcc": T(
                "Basal cell carcinoma or other keratinocyte (pre)cancer",
                "기저세포암 또는 기타 각질세포 (전)암",
            ),
            "seborrheic_keratosis": T("Seborrheic keratosis (benign keratosis)", "지루각화증(양성 각화증)"),
            "other_benign": T(
                "Other benign lesion (dermatofibroma, vascular)", "기타 양성 병변(피부섬유종, 혈관)"
            ),
        },
        photo_guide=SKIN_GUIDE,
        published=(
            R("Seed 000 (5 classes, 9:1 random split, leaky)", "accuracy ~0.95 (no balanced accuracy given)"),
        ),
        limitations=(
            "Five classes mapped from HAM10000 diagnoses: mel -> melanoma, nv -> nevus, bcc and akiec "
            "(actinic keratosis / Bowen's disease) -> bcc ('basal cell carcinoma or other keratinocyte "
            "(pre)cancer'), bkl -> seborrheic keratosis (includes solar lentigo and lichen-planus-like "
            "keratosis), df and vasc -> other benign.",
            "Trained on HAM10000 low-resolution (200x150) dermoscopy images from two centres, mostly fair "
            "skin; it needs a dermoscope photo and was not validated on phone photos or darker skin.",
            "HAM10000 is CC BY-NC 4.0: the model must not be used commercially.",
        ),
    )
)

register_task(
    TaskSpec(
        name="melanoma",
        title=T("Melanoma screening (benign / malignant)", "흑색종 선별 (양성 / 악성)"),
        heads=(Head("label", ("benign", "malignant"), T("Lesion", "병변")),),
        target="malignant",
        modality="dermoscopy",
        input_size=224,
        risk_bands=_bands(),
        class_text={"benign": T("Benign", "양성"), "malignant": T("Malignant", "악성")},
        photo_guide=SKIN_GUIDE,
        floors={"accuracy": 0.90, "target_sensitivity": 0.88},
        published=(
            R(
                "Seed 002 (MelaScan), C4 + weighted sampling, own 70/15/15 split",
                "accuracy 0.9656, recall 0.8933",
            ),
            R("Seed 002 best accuracy (C2)", "accuracy 0.9644, recall 0.8667"),
            R("medlens floors", "accuracy >= 0.90, malignant recall >= 0.88"),
        ),
        limitations=(
            "Trained on one Kaggle dermoscopy-style collection (300x300 JPEGs); phone photos, other skin "
            "tones and other cameras were not represented in testing.",
            "Binary benign/malignant only; rare lesion types may be scored arbitrarily.",
        ),
        sources=("melanoma_10000", "ham10000"),
    )
)

GRADES = ("0", "1", "2", "3")
GRADE_TEXT = {
    "0": T("Good", "양호"),
    "1": T("Mild", "경증"),
    "2": T("Moderate", "중등도"),
    "3": T("Severe", "중증"),
}
SCALP_SYMPTOMS = (
    ("fine_dandruff", T("Fine dandruff (micro-keratin)", "미세각질")),
    ("excess_sebum", T("Excess sebum", "피지과다")),
    ("erythema_interfollicular", T("Erythema between follicles", "모낭사이홍반")),
    ("erythema_pustules", T("Follicular erythema / pustules", "모낭홍반농포")),
    ("dandruff", T("Dandruff", "비듬")),
    ("hair_loss", T("Hair loss", "탈모")),
)
register_task(
    TaskSpec(
        name="scalp",
        title=T("Scalp self-check (6 symptoms, grades 0-3)", "두피 자가진단 (6개 증상, 0~3단계)"),
        heads=tuple(
            Head(name, GRADES, title, ordinal=True, class_text=GRADE_TEXT) for name, title in SCALP_SYMPTOMS
        ),
        target=None,
        modality="scalp-photo",
        input_size=240,
        derived=("scalp-type",),
        photo_guide=T(
            "Part the hair and hold the camera close to the scalp in good light; keep it steady.",
            "머리카락을 가르고 밝은 곳에서 카메라를 두피 가까이 대고 흔들리지 않게 촬영하세요.",
        ),
    )
)

SCALP_GUIDE = T(
    "Part the hair and hold the camera close to the scalp in good light; keep it steady.",
    "머리카락을 가르고 밝은 곳에서 카메라를 두피 가까이 대고 흔들리지 않게 촬영하세요.",
)
register_task(
    TaskSpec(
        name="scalp-conditions",
        title=T("Scalp and hair-loss conditions (5 groups)", "두피·탈모 질환 (5개 군)"),
        heads=(
            Head(
                "label",
                (
                    "alopecia_areata",
                    "acne_keloidalis",
                    "scarring_alopecia",
                    "diffuse_hair_loss",
                    "trichotillomania",
                ),
                T("Condition group", "질환 군"),
            ),
        ),
        target="scarring_alopecia",
        modality="scalp-photo",
        input_size=128,
        default_preset="all-five",
        target_recall=0.80,
        risk_bands=_bands(
            T(
                "No sign of a scarring hair loss was found by the model. If hair loss continues or the "
                "scalp itches, hurts or scales, ask a dermatologist.",
                "모델이 흉터성 탈모 징후를 찾지 못했습니다. 탈모가 계속되거나 두피가 가렵거나 아프거나 "
                "각질이 생기면 피부과 전문의와 상담하세요.",
            )
        ),
        class_text={
            "alopecia_areata": T("Alopecia areata (patchy hair loss)", "원형탈모"),
            "acne_keloidalis": T("Acne keloidalis (bumps on the nape)", "항부 켈로이드성 여드름"),
            "scarring_alopecia": T(
                "Scarring (cicatricial) hair loss: folliculitis decalvans, dissecting cellulitis, "
                "lichen planopilaris, discoid lupus and others",
                "흉터성 탈모: 탈모성 모낭염, 해리성 봉와직염, 모공편평태선, 원판상 루푸스 등",
            ),
            "diffuse_hair_loss": T(
                "Pattern or diffuse thinning (androgenetic alopecia, telogen effluvium)",
                "남성형·여성형 탈모 또는 휴지기 탈모",
            ),
            "trichotillomania": T("Trichotillomania (hair pulling)", "발모벽"),
        },
        photo_guide=SCALP_GUIDE,
        limitations=(
            "Trained and tested on 263 scalp photos of unknown origin and unknown licence (research use "
            "only); no patient ids, so near-duplicate photos were grouped by perceptual hash. The test "
            "split holds only a few photos of the smaller groups: per-class recall has wide intervals.",
            "Seven small diagnoses were merged into 'scarring hair loss' and two into 'pattern or diffuse "
            "thinning'; hirsutism (3) and trichorrhexis nodosa (4) were left out, so the model cannot "
            "name them or any condition it was not shown (psoriasis, tinea capitis, seborrheic "
            "dermatitis, ...): it always answers one of its five groups.",
        ),
    )
)

XRAY_GUIDE = T(
    "Upload the X-ray file (DICOM, PNG or JPEG) from the clinic, not a photo of a screen.",
    "화면을 찍은 사진이 아니라 병원에서 받은 X선 파일(DICOM, PNG, JPEG)을 올려 주세요.",
)
register_task(
    TaskSpec(
        name="chest-xray",
        title=T("Chest X-ray (normal / pneumonia)", "흉부 X선 (정상 / 폐렴)"),
        heads=(Head("label", ("normal", "pneumonia"), T("Finding", "소견")),),
        target="pneumonia",
        modality="chest-xray",
        input_size=224,
        default_preset="xray",
        risk_bands=_bands(
            T("No sign of pneumonia was found by the model.", "모델이 폐렴 징후를 찾지 못했습니다.")
        ),
        class_text={"normal": T("Normal", "정상"), "pneumonia": T("Pneumonia", "폐렴")},
        photo_guide=XRAY_GUIDE,
        floors={"auroc_macro": 0.95, "accuracy": 0.87},
        published=(
            R("MedMNIST v2 ResNet-18 (28 px), official test", "AUROC 0.944, accuracy 0.854"),
            R("MedMNIST v2 ResNet-18 (224 px), official test", "AUROC 0.956, accuracy 0.864"),
            R("MedMNIST v2 best (Google AutoML Vision)", "AUROC 0.991, accuracy 0.946"),
            R("medlens floors", "AUROC >= 0.95, accuracy >= 0.87"),
        ),
        limitations=(
            "Trained on the Kermany pediatric chest X-rays (children aged 1-5, one hospital in Guangzhou) at "
            "224 px; it has never seen adult films or other hospitals' images and will not transfer to "
            "them reliably.",
            "Separates 'normal' from 'pneumonia' only; it cannot detect any other finding, and it reads "
            "frontal films only (lateral views are refused).",
        ),
        sources=("kermany",),
    )
)

register_task(
    TaskSpec(
        name="chest-xray-covid",
        title=T("Chest X-ray (normal / pneumonia / COVID-19)", "흉부 X선 (정상 / 폐렴 / 코로나19)"),
        heads=(Head("label", ("normal", "pneumonia", "covid19"), T("Finding", "소견")),),
        target="covid19",
        modality="chest-xray",
        input_size=224,
        default_preset="xray",
        risk_bands=_bands(
            T(
                "No sign of COVID-19 pneumonia was found by the model.",
                "모델이 코로나19 폐렴 징후를 찾지 못했습니다.",
            )
        ),
        class_text={
            "normal": T("Normal", "정상"),
            "pneumonia": T("Pneumonia (other)", "폐렴(기타)"),
            "covid19": T("COVID-19 pneumonia", "코로나19 폐렴"),
        },
        photo_guide=XRAY_GUIDE,
        floors={"balanced_accuracy": 0.80, "auroc_macro": 0.90},
        published=(
            R(
                "seed 003: DenseNet-121, COVID-19 positive/negative, own test split",
                "accuracy 98 %; failed on new images from elsewhere (the seed's own finding)",
            ),
            R(
                "DeGrave et al. 2021 (Nat. Mach. Intell.): published COVID-19 X-ray models",
                "accurate in-source, relied on confounders rather than pathology, failed in new hospitals",
            ),
            R("medlens floors", "balanced accuracy >= 0.80, macro AUROC >= 0.90 (in-source test)"),
        ),
        limitations=(
            "Its COVID-19 and normal films come mostly from the COVID-19 Radiography Database (itself pooled "
            "from several public collections), its other-pneumonia films only from the ieee8023 collection "
            "(about 80 images): a model can tell these collections apart from the image alone, so part of "
            "what it learnt may be the collection, not the disease (see the shortcut audit). The "
            "Radiography Database's normal films are largely RSNA's and include some pediatric ones.",
            "Adults, frontal (PA/AP) films only; children's films (Kermany) were never mixed in, so it has "
            "not seen them. Not a COVID-19 test: a PCR or antigen test decides.",
        ),
        sources=("ieee8023", "radiography"),
    )
)

ZOSTER_TEXT = {  # the 13 classes of dermnet_subset (medlens.data.adapters.dermnet), target first
    "herpes_zoster": T("Herpes zoster (shingles)", "대상포진"),
    "herpes_simplex": T("Herpes simplex", "단순포진"),
    "eczema_herpeticum": T("Eczema herpeticum", "포진상 습진"),
    "impetigo": T("Impetigo", "농가진"),
    "pyoderma": T("Pyoderma / bacterial folliculitis", "농피증 / 세균성 모낭염"),
    "cellulitis": T("Cellulitis", "연조직염"),
    "bullous_pemphigoid": T("Bullous pemphigoid", "수포성 유사천포창"),
    "erythema_multiforme": T("Erythema multiforme", "다형홍반"),
    "scabies_bites": T("Scabies / arthropod bites", "옴 / 절지동물 교상"),
    "molluscum": T("Molluscum contagiosum", "전염성 물렁종"),
    "psoriasis": T("Psoriasis", "건선"),
    "tinea_corporis": T("Tinea corporis (ringworm)", "체부백선"),
    "urticaria": T("Urticaria (hives)", "두드러기"),
}
ZOSTER_URGENT = T(
    "Possible shingles that started less than 72 hours ago: antiviral treatment works best when it starts "
    "within 72 hours of the rash. Contact a clinician or clinic today.",
    "발진이 시작된 지 72시간이 지나지 않은 대상포진일 수 있습니다. 항바이러스 치료는 발진 후 72시간 안에 "
    "시작할 때 가장 효과적입니다. 오늘 바로 의료진이나 병원에 연락하세요.",
)

register_task(
    TaskSpec(
        name="herpes-zoster",
        title=T("Herpes zoster (shingles) screening", "대상포진 선별"),
        heads=(Head("label", tuple(ZOSTER_TEXT), T("Skin condition", "피부 상태")),),
        target="herpes_zoster",
        modality="skin-photo",
        input_size=128,
        default_preset="zoster-heavy",
        target_recall=0.85,
        risk_bands=_bands(),
        class_text=ZOSTER_TEXT,
        photo_guide=SKIN_GUIDE,
        urgent_window_hours=72,
        urgent_text=ZOSTER_URGENT,
        published=(
            R("seed 004 goals (DermNet, herpes zoster vs look-alikes)", "F1-HZ >= 0.85, ACC-HZ >= 0.85"),
        ),
        limitations=(
            "Trained and tested on 751 DermNet NZ clinical photos (research material, copyright DermNet NZ) with "
            "only 39 herpes-zoster photos: about 6 zoster photos in the test split, so every zoster figure has a "
            "very wide confidence interval.",
            "Classes merged: bacterial folliculitis (2 photos) into pyoderma, arthropod bites (7) into scabies; "
            "varicella, contact dermatitis and normal skin are not in the data, so the model never learned them.",
            "Atlas photos (mostly fair skin, typical presentations) are not phone photos from patients: expect lower "
            "accuracy on real uploads, early rashes and darker skin.",
        ),
    )
)
