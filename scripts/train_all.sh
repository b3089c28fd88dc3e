#!/usr/bin/env bash
# Every image-model run behind reports/ and models/, one after another (2 cores: never in parallel),
# then copy their small files into reports/. Notes (runs/*/notes.md) are written by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/train_chest_xray.sh
scripts/train_melanoma.sh runs/melanoma-v3
# skin-lesion: grouped by lesion_id (the shipped model) and the leaky random split, identical protocol
SPLIT=grouped scripts/train_skin_lesion.sh
SPLIT=random scripts/train_skin_lesion.sh
.venv/bin/python scripts/train_compare_splits.py runs/skin-lesion-ham10000-grouped runs/skin-lesion-ham10000-random \
  runs/skin-lesion-ham10000-grouped
scripts/train_publish.sh runs/chest-xray-kermany224 reports/chest-xray-kermany224
scripts/train_publish.sh runs/covid-xray-sources224 reports/chest-xray-covid
scripts/train_publish.sh runs/melanoma-v3 reports/melanoma-melanoma_10000
scripts/train_publish.sh runs/skin-lesion-ham10000-grouped reports/skin-lesion-ham10000
cp runs/skin-lesion-ham10000-grouped/grouped_vs_random.{md,png} reports/skin-lesion-ham10000/
scripts/train_publish.sh runs/skin-lesion-ham10000-random reports/skin-lesion-ham10000/random-split
