"""``pneumonia-xray-sources``: the pediatric pneumonia model's own test films beside adult films it
never saw, as one normal / pneumonia dataset of several sources (issue 12's X-ray pair).

* ``kermany``: Kermany's official test films (the ``kermany224`` test split, children);
* ``ieee8023`` and ``radiography``: every frontal adult film of ``covid-xray-sources`` except those
  that copy a Kermany training or validation film (the Radiography Database's normals include some;
  exact and near duplicates, :func:`medlens.data.dupgroups.duplicate_pairs`), with other pneumonia and
  COVID-19 (a viral pneumonia) both labelled ``pneumonia``.

Every image is in the ``test`` split: this dataset evaluates and audits a Kermany-trained model
(``medlens audit-shortcuts``, ``benchmarks/cross_source_pneumonia.py``); it is not for training.
"""

from __future__ import annotations

import logging
from pathlib import Path

from medlens.data.adapters.chest_xray_sources import KERMANY_CLASSES, load_covid_sources, load_kermany224
from medlens.data.dupgroups import duplicate_pairs
from medlens.data.registry import DATASETS
from medlens.data.sample import SampleSet
from medlens.data.sources import combine_sources, dataset_of, relabel, sources_of, with_source

log = logging.getLogger(__name__)

KERMANY_DIR = "chest_xray_kermany224"
ADULT_TO_PNEUMONIA: dict[str, str | None] = {
    "normal": "normal",
    "pneumonia": "pneumonia",
    "covid19": "pneumonia",
}


def unseen_adult_films(data_root: Path, seed: int = 0) -> SampleSet:
    """The adult collections (3 classes) without the films that copy a Kermany training/validation film."""
    kermany = load_kermany224(Path(data_root) / KERMANY_DIR, seed)
    splits = kermany.predefined_splits or {}
    seen = kermany.subset(list(splits.get("train", [])) + list(splits.get("val", [])))
    adult = load_covid_sources(Path(data_root), seed=seed)
    both = SampleSet(name="seen+adult", classes=["x"], samples=seen.samples + adult.samples)
    n = len(seen)
    copies = {max(i, j) - n for i, j in duplicate_pairs(both) if (i < n) != (j < n)}
    log.info("%d adult films copy a Kermany training/validation film: left out", len(copies))
    kept = [i for i in range(len(adult)) if i not in copies]
    return adult.subset(kept, name=f"{len(copies)} copies left out")


def load_pneumonia_sources(root: Path, seed: int = 0, adult_datasets: tuple[str, ...] = ()) -> SampleSet:
    """Kermany official test films + unseen adult films (of ``adult_datasets`` only, when named)."""
    kermany = load_kermany224(Path(root) / KERMANY_DIR, seed)
    test = with_source(kermany.subset(list((kermany.predefined_splits or {})["test"])), "kermany")
    adult, _ = relabel(unseen_adult_films(Path(root), seed), ADULT_TO_PNEUMONIA, KERMANY_CLASSES)
    if adult_datasets:
        adult = adult.subset([i for i, s in enumerate(sources_of(adult)) if dataset_of(s) in adult_datasets])
    parts = [(s, {"test": list(range(len(s)))}) for s in (test, adult)]
    name = "pneumonia-xray-" + ("-".join(adult_datasets) if adult_datasets else "sources")
    return combine_sources(parts, name=name)


@DATASETS.decorator("pneumonia-xray-sources")
def load_pneumonia_xray_sources(root: Path, seed: int = 0) -> SampleSet:
    """Kermany official test films + unseen adult films, normal / pneumonia, all in ``test``."""
    return load_pneumonia_sources(root, seed)


@DATASETS.decorator("pneumonia-xray-radiography")
def load_pneumonia_xray_radiography(root: Path, seed: int = 0) -> SampleSet:
    """Kermany official test films + unseen COVID-19 Radiography films: two sources (the X-ray audit)."""
    return load_pneumonia_sources(root, seed, ("radiography",))
