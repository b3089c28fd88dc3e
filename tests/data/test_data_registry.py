"""Adapter registry and import hygiene."""

from __future__ import annotations

import subprocess
import sys

import pytest

from medlens.data import DATASETS, create_dataset, list_datasets

EXPECTED = {
    "imagefolder",
    "medmnist",
    "ham10000",
    "isic-csv",
    "aihub-scalp",
    "sd198",
    "covid-chestxray",
    "dicom-folder",
}


def test_all_adapters_registered() -> None:
    assert set(list_datasets()) >= EXPECTED
    assert all(callable(DATASETS.get(n)) for n in EXPECTED)


def test_unknown_adapter_lists_valid_names(tmp_path) -> None:
    with pytest.raises(ValueError, match=r"imagefolder"):
        create_dataset("nope", tmp_path)


def test_data_import_is_torch_free() -> None:
    code = (
        "import sys\n"
        "from medlens.data import create_dataset, list_datasets\n"
        "import medlens.data.dicom, medlens.data.splits, medlens.data.audit\n"
        "list_datasets()\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
