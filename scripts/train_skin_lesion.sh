#!/usr/bin/env bash
# skin-lesion (7 classes) on HAM10000 low-res. SPLIT=grouped (by lesion_id, the honest number) or
# SPLIT=random (per image, leaky: same lesion in train and test) with the identical protocol.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${MEDLENS_DATA_ROOT:-../shared/data}"
SPLIT="${SPLIT:-grouped}"
OUT="${1:-runs/skin-lesion-ham10000-$SPLIT}"
mkdir -p "$OUT"
nice -n 5 .venv/bin/medlens train --task skin-lesion --dataset ham10000 \
  --data-root "$DATA/ham10000_lowres" --out "$OUT" --split "$SPLIT" \
  --backbone tf_efficientnet_lite0 --pretrained lite0-imagenet --input-size 96 \
  --epochs 3 --batch-size 64 --lr 1e-3 --preset C4 --loss ce --class-weighted \
  --patience 2 --monitor balanced_accuracy --tta hflip --tta vflip --seed 0 --no-progress "${@:2}" 2>&1 | tee -a "$OUT/train.log"
