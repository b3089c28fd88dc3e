#!/usr/bin/env bash
# The three image-model reports, one after another (the 2 cores are shared: never in parallel).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/train_chest_xray.sh
scripts/train_melanoma.sh
SPLIT=grouped scripts/train_skin_lesion.sh
SPLIT=random scripts/train_skin_lesion.sh
