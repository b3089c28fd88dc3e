#!/usr/bin/env bash
# Issue 12: melanoma models that hold up on another clinic's photos. Every run, export and cross-source
# evaluation behind reports/remedies-melanoma/ and the shipped multi-source bundle, in order (one heavy
# job at a time on the 2-core box; exports/evaluations of the previous run overlap the next training).
#   K0  Kaggle only (its own photos), 96 px, C4                      -> cross-source test on HAM10000
#   K1  K0 + Shades of Gray + circle mask + zoom / lens-border augmentation
#   M   Kaggle + HAM10000 (HAM10000 test lesions held out), 112 px  -> the shipped bundle
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${MEDLENS_DATA_ROOT:-../shared/data}"
MEDLENS="${MEDLENS:-.venv/bin/medlens}"
NICE="${NICE:-5}"
COMMON=(--task melanoma --split grouped --pretrained lite0-imagenet --batch-size 64 --lr 1e-3 --loss ce
  --sampler weighted --patience 3 --monitor auroc --tta hflip --tta vflip --seed 0 --no-progress --threads 1)

train() { nice -n "$NICE" "$MEDLENS" train "${COMMON[@]}" --data-root "$DATA" "$@"; }
evaluate() {  # RUN SOURCES: export, then in-source + cross-source rows
  local run=$1 sources=$2 name; name=$(basename "$run")
  "$MEDLENS" export "$run" --out "runs/bundles/$name"
  "$MEDLENS" cross-source --model "runs/bundles/$name" --dataset melanoma-sources --data-root "$DATA" \
    --split test --train-sources "$sources" --out "runs/xs/$name-test" --threads 1
  if [[ $sources != *ham10000* ]]; then
    "$MEDLENS" cross-source --model "runs/bundles/$name" --dataset melanoma-ham10000 --data-root "$DATA" \
      --split all --train-sources "$sources" --out "runs/xs/$name-hamall" --threads 1
  fi
}

train --dataset melanoma-sources --out runs/multi-112 --input-size 112 --epochs 3 --preset C4
train --dataset melanoma-kaggle --out runs/kaggle-own-96 --input-size 96 --epochs 2 --preset C4
train --dataset melanoma-kaggle --out runs/kaggle-own-96-remedies --input-size 96 --epochs 2 --preset C4ZB \
  --image-ops sog --image-ops circle
evaluate runs/multi-112 melanoma_10000,ham10000
evaluate runs/kaggle-own-96 melanoma_10000
evaluate runs/kaggle-own-96-remedies melanoma_10000
# the previous bundle (160 px, trained on the whole Kaggle folder incl. its HAM10000 copies)
"$MEDLENS" cross-source --model models/melanoma --dataset melanoma-sources --data-root "$DATA" --split test \
  --train-sources melanoma_10000 --out runs/xs/v3-test --threads 1
python benchmarks/remedies_melanoma.py --rows scripts/remedies_melanoma.json --out reports/generalisation-melanoma/remedies.md
