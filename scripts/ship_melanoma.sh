#!/usr/bin/env bash
# Issue 12: ship the multi-source melanoma bundle (Kaggle own photos + HAM10000, HAM10000 test lesions held
# out) and measure it: export, in-source rows per source, floors, leave-one-source-out row (K0: the
# Kaggle-only run on HAM10000), robustness, shortcut audit. Run after the training below has finished.
#   medlens train --task melanoma --dataset melanoma-sources --data-root ../shared/data --out runs/multi-160
#     --split grouped --pretrained lite0-imagenet --input-size 160 --epochs 5 --batch-size 64 --lr 1e-3 --preset C4
#     --loss ce --sampler weighted --patience 3 --monitor auroc --tta hflip --tta vflip --seed 0 --threads 2
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${MEDLENS_DATA_ROOT:-../shared/data}"
M="${MEDLENS:-.venv/bin/medlens}"
PY="${PYTHON:-.venv/bin/python}"
RUN="${RUN:-runs/multi-160}"
OUT="${OUT:-models/melanoma}"
step="${1:-all}"
if [[ $step == all || $step == export ]]; then
  "$M" export "$RUN" --out "$OUT" --target-recall 0.85
  for s in val test; do
    "$M" cross-source --model "$OUT" --dataset melanoma-sources --data-root "$DATA" --split "$s" \
      --train-sources melanoma_10000,ham10000 --out "runs/xs/shipped-$s" --threads 2
  done
  "$PY" benchmarks/melanoma_floors.py --val runs/xs/shipped-val --test runs/xs/shipped-test \
    --json reports/generalisation-melanoma/floors-shipped.json
fi
if [[ $step == all || $step == card ]]; then
  "$PY" benchmarks/melanoma_floors.py --val runs/xs/shipped-val --test runs/xs/shipped-test --card "$OUT" \
    --json reports/generalisation-melanoma/floors-shipped.json \
    --loso "K0: the same task trained on Kaggle only (96 px, 2 epochs), on HAM10000 test lesions=runs/xs/kaggle-own-96-test=ham10000"
  "$M" robustness "$OUT" --dataset melanoma-sources --data-root "$DATA" --split grouped --seed 0 --n 40 \
    --out reports/robustness-melanoma
  "$M" audit-shortcuts --model "$OUT" --data-root "$DATA" --out reports/shortcuts-melanoma --n-per-source 400 \
    --n-counterfactual 150 --train-sources melanoma_10000,ham10000 --threads 1 --card
  # run one at a time: each loads the whole card and saves it whole
  "$M" subgroups --model "$OUT" --card --threads 1
fi
