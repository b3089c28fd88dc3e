#!/usr/bin/env bash
# ensure_venv.sh PYTHON VENV EXTRA HASH — create/refresh a virtual environment with medlens[EXTRA].
# The full dependency install runs only when the venv is new or pyproject.toml changed (stamp file);
# otherwise only the project itself is (re)installed, editable, from this checkout.
set -euo pipefail
python="$1"; venv="$2"; extra="$3"; hash="$4"
stamp="$venv/.medlens-$extra-$hash"
if [ ! -x "$venv/bin/python" ]; then
  echo "[medlens] creating virtual environment $venv"
  "$python" -m venv "$venv"
fi
if [ ! -f "$stamp" ]; then
  echo "[medlens] installing medlens[$extra] into $venv (first time: a few minutes)"
  "$venv/bin/python" -m pip install -q --upgrade pip wheel setuptools
  "$venv/bin/python" -m pip install -q -e ".[$extra]"
  rm -f "$venv"/.medlens-"$extra"-*
  touch "$stamp"
else
  "$venv/bin/python" -m pip install -q --no-deps --no-build-isolation -e . >/dev/null
fi
