"""Chest X-ray sets at 224 px: Kermany (pediatric pneumonia) and COVID-19 from two adult sources.

``kermany224`` reads ``chest_xray_kermany224/{train,test}/{NORMAL,PNEUMONIA}``: its test folder is the
official Kermany test split (624 images, the ones PneumoniaMNIST's test split was made from), kept as
the test split; a validation split is taken from the train folder grouped by patient (``personNNN_``
in pneumonia file names, ``IM-NNNN-``/``NORMAL2-IM-NNNN-`` in normal ones), so no child's films sit on
both sides.

``covid-xray-sources`` reads the shared data folder and combines, each split by its own rule:

* ``ieee8023``: the ieee8023 COVID-19 image collection (``covid_chestxray_ieee8023``), frontal X-rays
  with a mapped finding (COVID-19, other pneumonia, no finding), split by patient id with duplicate
  images joined first (two Eurorad cases are listed under two patient ids each);
* ``radiography``: the COVID-19 Radiography Database copy (``covid_radiography224``: 900 COVID-19,
  900 normal adult X-rays), no patient ids, so exact and near duplicate images are joined first.

The pediatric Kermany images are never mixed into the COVID task: its normal class would then be
children and its COVID class adults, a shortcut a model would learn at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from medlens.data.adapters._common import require_dir
from medlens.data.adapters.covid_chestxray import load_covid_chestxray
from medlens.data.adapters.imagefolder import load_imagefolder
from medlens.data.rebuild import make_manifest
from medlens.data.registry import DATASETS
from medlens.data.sample import DatasetFormatError, SampleSet
from medlens.data.sources import combine_sources, relabel
from medlens.data.splits import SPLIT_NAMES, make_split

COVID_CLASSES = ("normal", "pneumonia", "covid19")
IEEE_DIR = "covid_chestxray_ieee8023"
RADIOGRAPHY_DIR = "covid_radiography224"
RADIOGRAPHY_TO_COVID: dict[str, str | None] = {"Normal": "normal", "COVID": "covid19"}
KERMANY_CLASSES = ("normal", "pneumonia")
KERMANY_FOLDERS = {"NORMAL": "normal", "PNEUMONIA": "pneumonia"}
FRACTIONS = (0.7, 0.15, 0.15)
KERMANY_VAL_FRACTION = 0.15
_PATIENT = re.compile(r"^(person\d+|(?:NORMAL2-)?IM-\d+)", re.IGNORECASE)

Part = tuple[SampleSet, dict[str, list[int]]]


def kermany_patient(stem: str) -> str:
    """Patient id in a Kermany file name (``person1000_bacteria_2931`` -> ``person1000``)."""
    m = _PATIENT.match(stem)
    return m.group(1) if m else stem


def _kermany_folder(folder: Path, name: str) -> SampleSet:
    found = load_imagefolder(require_dir(folder), classes=list(KERMANY_FOLDERS), name=name)
    relabelled, _ = relabel(found, KERMANY_FOLDERS, KERMANY_CLASSES, name=name)
    samples = [
        replace(s, group_id=f"{folder.name}:{kermany_patient(Path(s.source).stem)}")
        for s in relabelled.samples
    ]
    return replace(relabelled, samples=samples)


@DATASETS.decorator("kermany224")
def load_kermany224(root: Path, seed: int = 0, name: str = "kermany") -> SampleSet:
    """Kermany pediatric X-rays: official test folder as test, val grouped by patient from train."""
    require_dir(root)
    train = _kermany_folder(root / "train", name)
    test = _kermany_folder(root / "test", name)
    v = KERMANY_VAL_FRACTION
    manifest = make_split(train, (1.0 - v, v, 0.0), seed=seed)
    n = len(train)
    splits = {
        "train": list(manifest.splits["train"]),
        "val": list(manifest.splits["val"]),
        "test": list(range(n, n + len(test))),
    }
    both = SampleSet(name=name, classes=list(KERMANY_CLASSES), samples=train.samples + test.samples)
    return combine_sources([(both, splits)], name=name)


def _grouped_split(sample_set: SampleSet, seed: int) -> Part:
    manifest = make_manifest(sample_set, "grouped-dedup", FRACTIONS, seed)
    return sample_set, {k: list(manifest.splits[k]) for k in SPLIT_NAMES}


def ieee_part(root: Path, seed: int = 0) -> Part:
    """ieee8023 frontal X-rays (normal / other pneumonia / COVID-19), split by patient and duplicates."""
    found = load_covid_chestxray(require_dir(root / IEEE_DIR), name="ieee8023")
    if found.classes != list(COVID_CLASSES):
        raise DatasetFormatError(root / IEEE_DIR, f"classes {found.classes} != {list(COVID_CLASSES)}")
    return _grouped_split(found, seed)


def radiography_part(root: Path, seed: int = 0) -> Part:
    """COVID-19 Radiography Database copy (COVID-19 / normal), duplicates joined, 70/15/15."""
    found = load_imagefolder(
        require_dir(root / RADIOGRAPHY_DIR), classes=list(RADIOGRAPHY_TO_COVID), name="radiography"
    )
    relabelled, _ = relabel(found, RADIOGRAPHY_TO_COVID, COVID_CLASSES, name="radiography")
    return _grouped_split(relabelled, seed)


PARTS: dict[str, Callable[[Path, int], Part]] = {"ieee8023": ieee_part, "radiography": radiography_part}


def load_covid_sources(
    root: Path, sources: Sequence[str] = tuple(PARTS), seed: int = 0, name: str = "covid-xray-sources"
) -> SampleSet:
    """The named COVID X-ray sources of the shared data folder ``root``, each split by its own rule."""
    unknown = [s for s in sources if s not in PARTS]
    if unknown or not sources:
        raise ValueError(
            f"unknown COVID X-ray source(s) {unknown or list(sources)}; valid: {', '.join(PARTS)}"
        )
    return combine_sources([PARTS[s](Path(root), seed) for s in sources], name=name)


@DATASETS.decorator("covid-xray-sources")
def load_covid_xray_sources(root: Path, seed: int = 0) -> SampleSet:
    """ieee8023 + COVID-19 Radiography Database (normal / other pneumonia / COVID-19)."""
    return load_covid_sources(root, tuple(PARTS), seed)


@DATASETS.decorator("covid-xray-ieee8023")
def load_covid_xray_ieee8023(root: Path, seed: int = 0) -> SampleSet:
    """ieee8023 only, split as in ``covid-xray-sources`` (the held-out source of radiography models)."""
    return load_covid_sources(root, ("ieee8023",), seed, name="covid-xray-ieee8023")


@DATASETS.decorator("covid-xray-radiography")
def load_covid_xray_radiography(root: Path, seed: int = 0) -> SampleSet:
    """COVID-19 Radiography Database only, split as in ``covid-xray-sources``."""
    return load_covid_sources(root, ("radiography",), seed, name="covid-xray-radiography")
