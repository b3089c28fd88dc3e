"""Where public datasets come from and their licences, quoted in run reports and model cards."""

from __future__ import annotations

from pathlib import Path

DATA_SOURCES: dict[str, dict[str, str]] = {  # first matching key wins
    "covid-xray-sources": {
        "source": "ieee8023 COVID-19 image data collection (Cohen et al.; frontal X-rays, split by patient) + "
        "COVID-19 Radiography Database (Qatar / Dhaka Universities; 900 COVID-19 + 900 normal), each split "
        "70/15/15 by its own rule with duplicates joined",
        "license": "ieee8023: per image (CC BY-NC-SA, CC BY, CC BY-NC-ND; 235 rows blank); Radiography "
        "Database: research use, per-source licences",
    },
    "kermany": {
        "source": "Kermany et al. 2018 pediatric chest X-rays (Guangzhou Women and Children's Medical "
        "Center), official test split (624) as test, validation grouped by patient from the train folder",
        "license": "CC BY 4.0 (Kermany et al., Mendeley Data 2018)",
    },
    "melanoma-sources": {
        "source": "Kaggle 'Melanoma Skin Cancer Dataset of 10000 Images' train part (its own 8,492 photos; its "
        "1,113 copies of HAM10000 melanomas left to HAM10000) + HAM10000 low-res (mel vs nv/bkl/df/vasc), "
        "each split by its own rule (Kaggle: duplicates joined; HAM10000: by lesion_id)",
        "license": "HAM10000 part CC BY-NC 4.0 (non-commercial); Kaggle part as on Kaggle, research use",
    },
    "melanoma-kaggle": {
        "source": "Kaggle 'Melanoma Skin Cancer Dataset of 10000 Images' (nodariy), train part, without its "
        "1,113 copies of HAM10000 melanomas",
        "license": "as on Kaggle; research use",
    },
    "pneumoniamnist": {
        "source": "PneumoniaMNIST (MedMNIST v2, Yang et al. 2023), official train/val/test splits",
        "license": "CC BY 4.0",
    },
    "melanoma_10000": {
        "source": "Kaggle 'Melanoma Skin Cancer Dataset of 10000 Images' (nodariy), train part",
        "license": "as on Kaggle; research use",
    },
    "dermnet_subset": {
        "source": "DermNet NZ clinical photos, 15-diagnosis subset (GitHub MinhKemm/DermNet_Dataset @ 2df7ed1e), "
        "751 photos, 39 herpes zoster",
        "license": "no licence in the repo; photos copyright DermNet NZ: research/test material only",
    },
    "scalp_hair_14class": {
        "source": "Scalp/hair disease photos, 14 classes, 270 JPEGs (GitHub Ramakrishna9-R09/scalp-diseases-detection "
        "@ c7a92953, origin of the photos not stated)",
        "license": "none stated: research/test material only",
    },
    "ham10000": {
        "source": "HAM10000 (Tschandl et al. 2018, ISIC 2018 task 3), 200x150 low-res copy",
        "license": "CC BY-NC 4.0 (non-commercial)",
    },
}


def data_source(root: str, dataset: str) -> dict[str, str]:
    """Source and licence for a data root (matched on its folder names), or 'unknown'."""
    low = f"{root} {dataset}".lower()
    for key, info in DATA_SOURCES.items():
        if key in low:
            return info
    # the folder's name, not its path: a card must not carry the trainer's machine layout
    return {"source": f"{dataset} at {Path(root).name}", "license": "unknown: check before any use"}
