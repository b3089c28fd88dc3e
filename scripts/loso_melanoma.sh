#!/usr/bin/env bash
# Issue 12, floor "trained on Kaggle only, AUROC >= 0.90 on HAM10000 melanoma vs benign": the leave-one-source-out
# row of a melanoma recipe. Trains the recipe on the Kaggle set's own photos only (dataset melanoma-kaggle, which
# drops the Kaggle folder's HAM10000 copies), exports it, and scores it as served on the HAM10000 test lesions (and
# the Kaggle test photos) with `medlens cross-source`. Pre-registered in reports/generalisation-melanoma/report.md
# section 12. Usage: scripts/loso_melanoma.sh v2|l2|l2k1 [train|measure|all]
#   v2: the shipped bundle's recipe (Lite0, 160 px, C4, 5 epochs)
#   l2: the stop-25 candidate's recipe (Lite2, 160 px, C5, 5 epochs)
#   l2k1: l2 with section 9's border remedy (Shades of Gray + circle mask, zoom / lens-border augmentation C4ZB)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${MEDLENS_DATA_ROOT:-../shared/data}"
M="${MEDLENS:-.venv/bin/medlens}"
recipe="${1:?v2 or l2}"
step="${2:-all}"
case "$recipe" in
  v2) arch=(--pretrained lite0-imagenet --preset C4) ;;
  l2) arch=(--backbone tf_efficientnet_lite2 --pretrained lite2-imagenet --preset C5) ;;
  l2k1) arch=(--backbone tf_efficientnet_lite2 --pretrained lite2-imagenet --preset C4ZB --image-ops sog
              --image-ops circle) ;;
  *) echo "unknown recipe '$recipe' (v2, l2 or l2k1)" >&2; exit 2 ;;
esac
RUN="runs/kaggle-$recipe-160"
OUT="runs/bundles/kaggle-$recipe-160"
if [[ $step == all || $step == train ]]; then
  "$M" train --task melanoma --dataset melanoma-kaggle --data-root "$DATA" --out "$RUN" --split grouped \
    "${arch[@]}" --input-size 160 --epochs 5 --batch-size 64 --lr 1e-3 --loss ce --sampler weighted --patience 3 \
    --monitor auroc --tta hflip --tta vflip --seed 0 --threads 2 --no-progress
fi
if [[ $step == all || $step == measure ]]; then
  "$M" export "$RUN" --out "$OUT" --target-recall 0.85
  "$M" cross-source --model "$OUT" --dataset melanoma-sources --data-root "$DATA" --split test \
    --train-sources melanoma_10000 --out "runs/xs/kaggle-$recipe-160-test" --threads 2
fi
