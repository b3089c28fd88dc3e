"""Data: adapters to the Sample contract, splits, transforms."""

from medlens.data.registry import DATASETS, create_dataset, list_datasets
from medlens.data.sample import DatasetFormatError, Meta, Sample, SampleSet

__all__ = ["DATASETS", "DatasetFormatError", "Meta", "Sample", "SampleSet", "create_dataset", "list_datasets"]
