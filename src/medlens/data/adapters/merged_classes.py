"""Datasets whose original classes are merged into a task's classes by a stated mapping.

``scalp-hair-14``: the 14-class scalp/hair photo set (``root/<class>/*.jpg``) mapped onto the
``scalp-conditions`` task. A class is kept on its own only when it has at least
:data:`MIN_PHOTOS` photos (so that a 20 % test split holds at least ~4 of them); smaller classes are
merged by clinical kinship or, when they have none, left out:

- the primary cicatricial (scarring) alopecias folliculitis decalvans 15, dissecting cellulitis 13,
  tufted folliculitis 12 (a folliculitis-decalvans variant), pseudopelade 5, lichen planopilaris 4,
  hot-comb alopecia 3 (central centrifugal cicatricial alopecia) and discoid lupus 2 ->
  ``scarring_alopecia`` (54);
- androgenetic alopecia 15 and telogen effluvium 7, the non-scarring diffuse/patterned thinning ->
  ``diffuse_hair_loss`` (22);
- left out (7): hirsutism 3 (excess body hair, not a scalp condition) and trichorrhexis nodosa 4 (a
  hair-shaft defect, too few to evaluate and akin to none of the others).

``ham10000-5``: HAM10000 mapped onto seed 000's five classes (``skin-lesion-5``): mel -> melanoma,
nv -> nevus, bcc -> bcc, bkl -> seborrheic_keratosis (HAM10000's "benign keratosis" = seborrheic
keratosis, solar lentigo and lichen-planus-like keratosis), df and vasc -> other_benign, and akiec
(actinic keratosis / Bowen's disease, a pre-cancer or in-situ squamous cell carcinoma) -> bcc,
whose class then reads "basal cell carcinoma or other keratinocyte (pre)cancer": akiec must never
land in "other benign", and leaving it out would let the model call such lesions benign untested.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from medlens.data.adapters._common import IMAGE_EXTS, require_dir
from medlens.data.adapters.ham10000 import HAM_CLASSES, load_ham10000
from medlens.data.registry import DATASETS
from medlens.data.sample import DatasetFormatError, Sample, SampleSet

MIN_PHOTOS = 20

SCALP_CLASSES = (
    "alopecia_areata",
    "acne_keloidalis",
    "scarring_alopecia",
    "diffuse_hair_loss",
    "trichotillomania",
)
SCALP_MAP: dict[str, str | None] = {
    "alopecia-areata": "alopecia_areata",
    "acne-keloidalis": "acne_keloidalis",
    "trichotillomania": "trichotillomania",
    "folliculitis-decalvans": "scarring_alopecia",
    "dissecting-cellulitis": "scarring_alopecia",
    "tufted-folliculitis": "scarring_alopecia",
    "pseudopelade": "scarring_alopecia",
    "lichen-planopilaris": "scarring_alopecia",
    "hot-comb-alopecia": "scarring_alopecia",
    "discoid-lupus": "scarring_alopecia",
    "androgenic-alopecia": "diffuse_hair_loss",
    "telogen-effluvium": "diffuse_hair_loss",
    "hirsutism": None,
    "trichorrhexis-nodosa": None,
}

HAM5_CLASSES = ("melanoma", "nevus", "bcc", "seborrheic_keratosis", "other_benign")
HAM5_MAP: dict[str, str] = {
    "mel": "melanoma",
    "nv": "nevus",
    "bcc": "bcc",
    "akiec": "bcc",
    "bkl": "seborrheic_keratosis",
    "df": "other_benign",
    "vasc": "other_benign",
}


def remap(sample_set: SampleSet, mapping: Mapping[str, str | None], classes: tuple[str, ...]) -> SampleSet:
    """Relabel the main head of ``sample_set`` by ``mapping`` (old name -> new name, None = drop).

    The original class is kept in ``meta.extra["source_class"]`` so reports can break a merged class down.
    """
    unknown = sorted(set(sample_set.classes) - set(mapping))
    if unknown:
        raise DatasetFormatError(sample_set.name, f"no mapping for class(es) {', '.join(unknown)}")
    samples: list[Sample] = []
    for s in sample_set.samples:
        old = sample_set.classes[s.labels["label"]]
        new = mapping[old]
        if new is None:
            continue
        meta = replace(s.meta, extra={**s.meta.extra, "source_class": old})
        samples.append(replace(s, labels={"label": classes.index(new)}, meta=meta))
    return SampleSet(name=sample_set.name, classes=list(classes), samples=samples)


@DATASETS.decorator("scalp-hair-14")
def load_scalp_hair_14(root: Path, name: str = "scalp-hair-14") -> SampleSet:
    """``root/<one of the 14 class folders>/*.jpg`` merged onto the ``scalp-conditions`` classes."""
    require_dir(root)
    folders = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    unknown = [f for f in folders if f not in SCALP_MAP]
    if unknown:
        raise DatasetFormatError(root, f"unexpected class folder(s) {', '.join(unknown)}")
    if not folders:
        raise DatasetFormatError(root, "no class folders found (expected root/<class>/<image>)")
    samples: list[Sample] = []
    for idx, cls in enumerate(folders):
        files = sorted(p for p in (root / cls).rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTS)
        # no patient ids: one group per photo; --split grouped-dedup joins duplicate photos
        samples.extend(
            Sample(source=str(p), labels={"label": idx}, group_id=f"{cls}/{p.stem}") for p in files
        )
    raw = SampleSet(name=name, classes=folders, samples=samples)
    return remap(raw, SCALP_MAP, SCALP_CLASSES)


@DATASETS.decorator("ham10000-5")
def load_ham10000_5(root: Path, name: str = "ham10000-5") -> SampleSet:
    """HAM10000 (grouped by lesion_id) relabelled to seed 000's five classes (:data:`HAM5_MAP`)."""
    raw = load_ham10000(root, name=name)
    if list(raw.classes) != HAM_CLASSES:
        raise DatasetFormatError(root, f"unexpected HAM10000 classes {raw.classes}")
    return remap(raw, HAM5_MAP, HAM5_CLASSES)
