#!/usr/bin/env bash
# Copy a run folder's small, reviewable files into reports/<name>/ (no checkpoints, logits or caches).
# usage: scripts/train_publish.sh runs/RUN reports/TASK-DATASET
set -euo pipefail
RUN="$1"
DEST="$2"
mkdir -p "$DEST"
for f in metrics.json config.json history.json leakage_audit.json report.md report.html; do
  [ -f "$RUN/$f" ] && cp "$RUN/$f" "$DEST/"
done
cp "$RUN"/*.png "$DEST/" 2>/dev/null || true
# the leakage audit lists every duplicate pair; keep it only when small
if [ -f "$DEST/leakage_audit.json" ] && [ "$(stat -c %s "$DEST/leakage_audit.json")" -gt 1000000 ]; then
  rm "$DEST/leakage_audit.json"
fi
echo "published $RUN -> $DEST"
