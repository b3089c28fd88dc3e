"""Bundled data files: SAMPLE clinic directory, SAMPLE care products and the editable care catalog."""

from pathlib import Path

RESOURCES_DIR = Path(__file__).parent
SAMPLE_CLINICS_CSV = RESOURCES_DIR / "clinics_sample.csv"
CARE_CATALOG_JSON = RESOURCES_DIR / "care_catalog.json"
SAMPLE_PRODUCTS_JSON = RESOURCES_DIR / "care_products_sample.json"
