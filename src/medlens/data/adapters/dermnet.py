"""DermNet subset for herpes-zoster screening (``../shared/data/dermnet_subset/<Diagnosis>/*.jpg``).

15 diagnosis folders become the 13 classes of the ``herpes-zoster`` task. Two folders are too small
to learn or to test on their own, so they are merged into the clinically nearest class:

* ``Bacterial folliculitis`` (2 photos) -> ``pyoderma``: folliculitis is a superficial bacterial
  pyoderma;
* ``Arthropod bites and stings`` (7 photos) -> ``scabies_bites``: scabies is a mite (arthropod)
  infestation, and both present as itchy, excoriated papules.

No patient ids: ``group_id`` is the image stem; use ``--split grouped-dedup`` so near-duplicate
photos of one patient are grouped before splitting.
"""

from __future__ import annotations

from pathlib import Path

from medlens.data.adapters._common import IMAGE_EXTS, require_dir
from medlens.data.registry import DATASETS
from medlens.data.sample import DatasetFormatError, Sample, SampleSet

#: folder -> class, in the task's class order (the first class is the screening target)
FOLDER_CLASS: dict[str, str] = {
    "Herpes zoster": "herpes_zoster",
    "Herpes simplex": "herpes_simplex",
    "Eczema herpeticum": "eczema_herpeticum",
    "Impetigo": "impetigo",
    "Pyoderma": "pyoderma",
    "Bacterial folliculitis": "pyoderma",
    "Cellulitis": "cellulitis",
    "Bullous pemphigoid": "bullous_pemphigoid",
    "Erythema multiforme": "erythema_multiforme",
    "Scabies": "scabies_bites",
    "Arthropod bites and stings": "scabies_bites",
    "Molluscum contagiosum": "molluscum",
    "Psoriasis": "psoriasis",
    "Tinea corporis": "tinea_corporis",
    "Urticaria": "urticaria",
}
CLASSES: tuple[str, ...] = tuple(dict.fromkeys(FOLDER_CLASS.values()))


@DATASETS.decorator("dermnet-zoster")
def load_dermnet_zoster(root: Path, name: str | None = None) -> SampleSet:
    """Index ``root/<DermNet diagnosis>/*.jpg`` into the herpes-zoster task's 13 classes."""
    require_dir(root)
    folders = {p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")}
    missing = sorted(set(FOLDER_CLASS) - folders)
    if missing:
        raise DatasetFormatError(root, f"DermNet folder(s) not found: {', '.join(missing)}")
    unknown = sorted(folders - set(FOLDER_CLASS))
    if unknown:
        raise DatasetFormatError(
            root, f"unexpected folder(s) {', '.join(unknown)}; known: {', '.join(FOLDER_CLASS)}"
        )
    index = {c: i for i, c in enumerate(CLASSES)}
    samples: list[Sample] = []
    for folder, cls in FOLDER_CLASS.items():
        files = sorted(
            p for p in (root / folder).rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTS
        )
        if not files:
            raise DatasetFormatError(root / folder, "class folder contains no images")
        samples.extend(
            Sample(source=str(p), labels={"label": index[cls]}, group_id=f"{folder}/{p.stem}") for p in files
        )
    return SampleSet(name=name or root.name, classes=list(CLASSES), samples=samples)
