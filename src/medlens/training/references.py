"""Data sources, licences and published reference numbers quoted in run reports."""

from __future__ import annotations

DATA_SOURCES: dict[str, dict[str, str]] = {  # first matching key wins
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
    "ham10000": {
        "source": "HAM10000 (Tschandl et al. 2018, ISIC 2018 task 3), 200x150 low-res copy",
        "license": "CC BY-NC 4.0 (non-commercial)",
    },
}

PUBLISHED: dict[str, list[tuple[str, str]]] = {
    "chest-xray": [
        ("MedMNIST v2 ResNet-18 (28 px), official test", "AUROC 0.944, accuracy 0.854"),
        ("MedMNIST v2 ResNet-18 (224 px), official test", "AUROC 0.956, accuracy 0.864"),
        ("MedMNIST v2 best (Google AutoML Vision)", "AUROC 0.991, accuracy 0.946"),
        ("medlens floors", "AUROC >= 0.95, accuracy >= 0.87"),
    ],
    "melanoma": [
        ("Seed 002 (MelaScan), C4 + weighted sampling, own 70/15/15 split", "accuracy 0.9656, recall 0.8933"),
        ("Seed 002 best accuracy (C2)", "accuracy 0.9644, recall 0.8667"),
        ("medlens floors", "accuracy >= 0.90, malignant recall >= 0.88"),
    ],
    "skin-lesion": [
        (
            "ISIC 2018 task 3 top entries (full-res, ensembles, external data)",
            "balanced multiclass accuracy ~0.85-0.89 (official test)",
        ),
        ("Seed 000 (5 classes, 9:1 split, leaky)", "accuracy ~0.95"),
        ("medlens floors (split by lesion_id)", "balanced accuracy >= 0.60, macro AUROC >= 0.90"),
    ],
}

FLOORS: dict[str, dict[str, float]] = {
    "chest-xray": {"auroc_macro": 0.95, "accuracy": 0.87},
    "melanoma": {"accuracy": 0.90, "target_sensitivity": 0.88},
    "skin-lesion": {"balanced_accuracy": 0.60, "auroc_macro": 0.90},
}


def data_source(root: str, dataset: str) -> dict[str, str]:
    """Source and licence for a data root (matched on its folder names), or 'unknown'."""
    low = f"{root} {dataset}".lower()
    for key, info in DATA_SOURCES.items():
        if key in low:
            return info
    return {"source": f"{dataset} at {root}", "license": "unknown: check before any use"}
