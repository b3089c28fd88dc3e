"""Built-in dataset adapters; importing this package registers them in ``medlens.data.DATASETS``."""

from medlens.data.adapters import (
    aihub_scalp,
    chest_xray_sources,
    confirmed,
    covid_chestxray,
    dermnet,
    dicom_folder,
    ham10000,
    imagefolder,
    isic_csv,
    labels_csv,
    medmnist,
    melanoma_sources,
    merged_classes,
    pneumonia_sources,
    sd198,
)

__all__ = [
    "aihub_scalp",
    "chest_xray_sources",
    "confirmed",
    "covid_chestxray",
    "dermnet",
    "dicom_folder",
    "ham10000",
    "imagefolder",
    "isic_csv",
    "labels_csv",
    "medmnist",
    "melanoma_sources",
    "merged_classes",
    "pneumonia_sources",
    "sd198",
]
