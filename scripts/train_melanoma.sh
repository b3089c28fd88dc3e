#!/usr/bin/env bash
# melanoma (benign/malignant) on melanoma_10000/train, stratified 70/15/15 (seed 0) grouped so that duplicate
# photos (exact + near, see medlens.data.dupgroups) never straddle splits: Lite0 ImageNet at 160 px (6 epochs),
# seed 002's best recipe (C4 = flip + rotation + colour jitter, with weighted sampling).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${MEDLENS_DATA_ROOT:-../shared/data}"
OUT="${1:-runs/melanoma-v3}"
mkdir -p "$OUT"
nice -n "${NICE:-5}" .venv/bin/medlens train --task melanoma --dataset imagefolder \
  --data-root "$DATA/melanoma_10000/train" --out "$OUT" --split grouped-dedup \
  --backbone tf_efficientnet_lite0 --pretrained lite0-imagenet --input-size 160 \
  --epochs 6 --batch-size 64 --lr 1e-3 --preset C4 --loss ce --sampler weighted \
  --patience 3 --monitor auroc --tta hflip --tta vflip --seed 0 --no-progress "${@:2}" 2>&1 | tee -a "$OUT/train.log"
