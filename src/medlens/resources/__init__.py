"""Bundled data files: SAMPLE clinic directory, SAMPLE care products, the editable care catalog and
clinician reply templates."""

from pathlib import Path

RESOURCES_DIR = Path(__file__).parent
SAMPLE_CLINICS_CSV = RESOURCES_DIR / "clinics_sample.csv"
CARE_CATALOG_JSON = RESOURCES_DIR / "care_catalog.json"
SAMPLE_PRODUCTS_JSON = RESOURCES_DIR / "care_products_sample.json"
REPLY_TEMPLATES_JSON = RESOURCES_DIR / "reply_templates.json"
