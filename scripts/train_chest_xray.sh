#!/usr/bin/env bash
# The two chest X-ray bundles, at 224 px (a 7x7 CAM grid), EfficientNet-Lite0 from ImageNet:
#  1. chest-xray: normal / pneumonia on the Kermany pediatric X-rays (official 624-image test split,
#     validation grouped by patient from the train folder)  -> models/chest-xray
#  2. chest-xray-covid: normal / other pneumonia / COVID-19 on ieee8023 + COVID-19 Radiography, each
#     source split 70/15/15 by patient and duplicate group  -> models/chest-xray-covid
# No flip augmentation and no flip TTA: a chest X-ray has a left and a right (heart, aortic arch).
# Wall time on 2 cores (shared with other work): about 45 min (1) and 35 min (2).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${MEDLENS_DATA_ROOT:-../shared/data}"
COMMON=(--backbone tf_efficientnet_lite0 --pretrained lite0-imagenet --input-size 224 --lp-epochs 1
  --batch-size 32 --lr 1e-3 --preset xray --loss ce --class-weighted --patience 3 --seed 0 --threads 2
  --no-progress)
nice -n 5 .venv/bin/medlens train --task chest-xray --dataset kermany224 \
  --data-root "$DATA/chest_xray_kermany224" --out runs/chest-xray-kermany224 --epochs 5 \
  --monitor auroc "${COMMON[@]}"
nice -n 5 .venv/bin/medlens train --task chest-xray-covid --dataset covid-xray-sources \
  --data-root "$DATA" --out runs/covid-xray-sources224 --epochs 4 --monitor balanced_accuracy "${COMMON[@]}"
