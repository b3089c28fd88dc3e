#!/usr/bin/env bash
# Issue 12: export and measure a multi-source melanoma bundle (Kaggle own photos + HAM10000, HAM10000 test
# lesions held out): export, in-source rows per source, floors, leave-one-source-out row, robustness,
# shortcut audit, subgroups, conformal. Run after the training below has finished. The shipped bundle (v2,
# stop 21; RUN=runs/multi-160 LOSO_ROWS_FROM unset):
#   medlens train --task melanoma --dataset melanoma-sources --data-root ../shared/data --out runs/multi-160
#     --split grouped --pretrained lite0-imagenet --input-size 160 --epochs 5 --batch-size 64 --lr 1e-3 --preset C4
#     --loss ce --sampler weighted --patience 3 --monitor auroc --tta hflip --tta vflip --seed 0 --threads 2
# The stop-22 candidate K1-multi (measured with `RUN=runs/multi-k1-160 XS=runs/xs/k1 FLOORS=runs/floors-k1.json
# ... export`, not shipped: reports/generalisation-melanoma/report.md section 9) adds `--preset C4ZB --image-ops sog
# --image-ops circle --epochs 6`.
# Pre-registered next candidate (stop 23, before any of its figures exist): the K1-multi recipe exported with
# RECALL=0.9 (validation recall 0.85 became 0.79 on HAM10000 test; 0.9 is fixed now, not chosen on test).
# Steps: `export` (bundle + cross-source outputs + floors JSON) and `card` (card rows and the other reports);
# `all` runs both. Variables: RUN (run folder), OUT (bundle), XS (prefix of the cross-source folders),
# FLOORS (floors JSON), RECALL (the export's every-source target recall, default 0.85), LOSO (LABEL=DIR=SOURCE of a leave-one-source-out run) or LOSO_ROWS_FROM (a card.json
# whose leave-one-source-out rows are kept, e.g. the replaced bundle's).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${MEDLENS_DATA_ROOT:-../shared/data}"
M="${MEDLENS:-.venv/bin/medlens}"
PY="${PYTHON:-.venv/bin/python}"
RUN="${RUN:-runs/multi-160}"
OUT="${OUT:-models/melanoma}"
XS="${XS:-runs/xs/shipped}"
FLOORS="${FLOORS:-reports/generalisation-melanoma/floors-shipped.json}"
RECALL="${RECALL:-0.85}"
LOSO="${LOSO:-K0: the same task trained on Kaggle only (96 px, 2 epochs), on HAM10000 test lesions=runs/xs/kaggle-own-96-test=ham10000}"
step="${1:-all}"
if [[ $step == all || $step == export ]]; then
  "$M" export "$RUN" --out "$OUT" --target-recall "$RECALL"
  "$M" data verify-split "$OUT" --restamp  # a run trained before the portable fingerprint carries the old one
  for s in val test; do
    "$M" cross-source --model "$OUT" --dataset melanoma-sources --data-root "$DATA" --split "$s" \
      --train-sources melanoma_10000,ham10000 --out "$XS-$s" --threads 2
  done
  "$PY" benchmarks/melanoma_floors.py --val "$XS-val" --test "$XS-test" --json "$FLOORS"
fi
if [[ $step == all || $step == card ]]; then
  if [[ -n ${LOSO_ROWS_FROM:-} ]]; then loso=(--loso-rows-from "$LOSO_ROWS_FROM"); else loso=(--loso "$LOSO"); fi
  "$PY" benchmarks/melanoma_floors.py --val "$XS-val" --test "$XS-test" --card "$OUT" --json "$FLOORS" "${loso[@]}"
  # one at a time: each loads the whole card and saves it whole
  "$M" robustness "$OUT" --dataset melanoma-sources --data-root "$DATA" --split grouped --seed 0 --n 40 \
    --out reports/robustness-melanoma
  "$M" audit-shortcuts --model "$OUT" --data-root "$DATA" --out reports/shortcuts-melanoma --n-per-source 400 \
    --n-counterfactual 150 --train-sources melanoma_10000,ham10000 --threads 2 --card
  "$M" subgroups --model "$OUT" --card --threads 2
  "$M" conformal "$OUT" --alpha 0.1 --data-root "$DATA"
fi
