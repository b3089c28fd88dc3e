#!/usr/bin/env bash
# chest-xray on PneumoniaMNIST (official splits): EfficientNet-Lite0 ImageNet, 28 -> 64 px.
# No flip augmentation and no flip TTA: a chest X-ray has a left and a right (heart, aortic arch).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${MEDLENS_DATA_ROOT:-../shared/data}"
OUT="${1:-runs/chest-xray-pneumoniamnist}"
mkdir -p "$OUT"
nice -n 5 .venv/bin/medlens train --task chest-xray --dataset medmnist \
  --data-root "$DATA/pneumoniamnist/pneumoniamnist.npz" --out "$OUT" \
  --backbone tf_efficientnet_lite0 --pretrained lite0-imagenet --input-size 64 \
  --epochs 10 --batch-size 64 --lr 1e-3 --preset xray --loss ce --class-weighted \
  --patience 4 --monitor auroc --seed 0 --no-progress "${@:2}" 2>&1 | tee -a "$OUT/train.log"
