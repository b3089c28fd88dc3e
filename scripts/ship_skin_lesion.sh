#!/usr/bin/env bash
# Export and measure a skin-lesion (HAM10000, 7 classes) bundle and the 5-class bundle derived from it:
# export, source gate, cross-source rows (Kaggle melanoma 10000 photos), shortcut audit, subgroups, conformal
# sets, robustness. Run after the training has finished. The bundle shipped in stop 24 (RUN=runs/skin-lesion-l2-128):
#   medlens train --task skin-lesion --dataset ham10000 --data-root ../shared/data/ham10000_lowres
#     --out runs/skin-lesion-l2-128 --split grouped --backbone tf_efficientnet_lite2 --pretrained lite2-imagenet
#     --input-size 128 --epochs 5 --batch-size 64 --lr 1e-3 --preset C4 --loss ce --class-weighted --drop-rate 0.5
#     --patience 3 --monitor balanced_accuracy --tta hflip --tta vflip --seed 0 --threads 2
# Stop 34 ships an ensemble of three bundles instead of one run (ESQ3, reports/skin-lesion-ham10000/candidate-esq3.md):
#   MEMBERS="runs/bundles/sl-fix runs/bundles/sl-fix-e10 runs/bundles/sl-c4q" scripts/ship_skin_lesion.sh all
# where each member is `medlens export <its run folder> --out runs/bundles/<name>` of the command in the experiments
# README (SF, SF10, SQ); the ensemble's card carries the three training commands.
# Steps: `export` (both bundles and their source gates), `card` (the rows and reports written into the cards),
# `robustness` (the slowest: ROBUST_N images x 75 corruptions per bundle); `all` runs the three.
# Variables: RUN (run folder) or MEMBERS (bundle folders to ensemble), ROBUST_N (default 200).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${MEDLENS_DATA_ROOT:-../shared/data}"
HAM="$DATA/ham10000_lowres"
M="${MEDLENS:-.venv/bin/medlens}"
PY="${PYTHON:-.venv/bin/python}"
RUN="${RUN:-runs/skin-lesion-l2-128}"
ROBUST_N="${ROBUST_N:-200}"
step="${1:-all}"
if [[ $step == all || $step == export ]]; then
  if [[ -n "${MEMBERS:-}" ]]; then
    # shellcheck disable=SC2086  # MEMBERS is a list of folders
    "$M" ensemble $MEMBERS --out models/skin-lesion --name skin-lesion  # fits its source gate too
  else
    "$M" export "$RUN" --out models/skin-lesion  # fits its source gate too
    "$M" data verify-split models/skin-lesion --restamp  # a run trained before the portable fingerprint carries the old one
  fi
  PYTHONPATH=src "$PY" scripts/build_skin_lesion_5.py "$HAM" --src models/skin-lesion --out models/skin-lesion-5 \
    --report reports/skin-lesion-5-ham10000
  "$M" ood-fit models/skin-lesion-5 --data-root "$HAM"
  [[ -n "${MEMBERS:-}" ]] || scripts/train_publish.sh "$RUN" reports/skin-lesion-ham10000
fi
if [[ $step == all || $step == card ]]; then
  # one at a time: each loads the whole card and saves it whole
  for name in skin-lesion skin-lesion-5; do
    report=reports/skin-lesion-ham10000/cross-source.md
    [[ $name == skin-lesion-5 ]] && report=reports/skin-lesion-5-ham10000/cross-source.md
    "$PY" benchmarks/cross_source_skin_lesion.py --model "models/$name" --data-root "$DATA" --threads 2 --card \
      --report "$report" --json "${report%.md}.json"
    dataset=ham10000
    [[ $name == skin-lesion-5 ]] && dataset=ham10000-5
    "$M" audit-shortcuts --model "models/$name" --dataset "$dataset" --data-root "$HAM" \
      --out "reports/shortcuts-$name" --split test --n-per-source 600 --n-counterfactual 200 \
      --train-sources ham10000 --threads 2 --card
    "$M" subgroups --model "models/$name" --card --threads 2
    "$M" conformal "models/$name" --alpha 0.1 --data-root "$HAM"
  done
fi
if [[ $step == all || $step == robustness ]]; then
  "$M" robustness models/skin-lesion --dataset ham10000 --data-root "$HAM" --split grouped --seed 0 \
    --n "$ROBUST_N" --out reports/robustness-skin-lesion
  "$M" robustness models/skin-lesion-5 --dataset ham10000 --label-dataset ham10000-5 --data-root "$HAM" \
    --split grouped --seed 0 --n "$ROBUST_N" --out reports/robustness-skin-lesion-5
fi
