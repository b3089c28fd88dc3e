"""Bundled data files: SAMPLE clinic directory, the editable care catalog and clinician reply templates."""

from pathlib import Path

RESOURCES_DIR = Path(__file__).parent
SAMPLE_CLINICS_CSV = RESOURCES_DIR / "clinics_sample.csv"
CARE_CATALOG_JSON = RESOURCES_DIR / "care_catalog.json"
REPLY_TEMPLATES_JSON = RESOURCES_DIR / "reply_templates.json"
