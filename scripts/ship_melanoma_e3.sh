#!/usr/bin/env bash
# Issue 12, stop 28: ship E3 (report section 14) as models/melanoma. E3 is the ensemble of v2 (the bundle shipped
# at stop 21), L2-multi and the Kaggle-only KL2, chosen on validation photos and judged on test by the rule
# written before its figures. v2 is kept as runs/bundles/v2 (a member; the ensemble graph holds its weights).
# Needs runs/bundles/{v2,l2-multi,kaggle-l2-160}: scripts/ship_melanoma.sh (v2), report section 10 (L2-multi),
# scripts/loso_melanoma.sh l2 (KL2).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${MEDLENS_DATA_ROOT:-../shared/data}"
M="${MEDLENS:-.venv/bin/medlens}"
step="${1:-all}"
if [[ $step == all || $step == build ]]; then
  "$M" ensemble runs/bundles/v2 runs/bundles/l2-multi runs/bundles/kaggle-l2-160 --out runs/bundles/e3 \
    --name melanoma --target-recall 0.85 --recall-confidence 0.95
  for s in val test; do
    "$M" cross-source --model runs/bundles/e3 --dataset melanoma-sources --data-root "$DATA" --split "$s" \
      --train-sources melanoma_10000,ham10000 --out "runs/xs/e3-$s" --threads 2
  done
fi
if [[ $step == all || $step == ship ]]; then
  rm -rf models/melanoma && cp -r runs/bundles/e3 models/melanoma
  # the card rows and reports as for any melanoma bundle; the leave-one-source-out row stays v2's recipe's (Kv2)
  XS=runs/xs/e3 OUT=models/melanoma LOSO_ROWS_FROM=runs/bundles/v2/card.json scripts/ship_melanoma.sh card
  "$M" retime models/melanoma --rounds 15 --pause 6 --write
fi
