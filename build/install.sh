#!/usr/bin/env bash
# Create .venv and install everything Gatekeeper needs, offline-safe and CPU-first.
# Idempotent: a stamp keyed on the requirement files skips work already done.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${VENV:-.venv}
TORCH_VERSION=2.13.0
ULTRALYTICS_VERSION=8.4.190
EASYOCR_VERSION=1.7.2
stamp_src=$(cat build/requirements.txt build/install.sh pyproject.toml build/torchvision-shim/torchvision/*.py | sha256sum | cut -c1-16)
stamp="$VENV/.gatekeeper-install-$stamp_src"
if [ -f "$stamp" ]; then
  exit 0
fi
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
  "$PY" -m venv "$VENV"
fi
free_mib() { df -Pm "$VENV" 2>/dev/null | awk 'NR == 2 {print $4}'; }
# pip's exit status is kept: a full disk or a missing package stops the install at that step, with pip's
# own message and this one, instead of surfacing later as a failed import check. Only pip's notices about
# ignored index settings are filtered out.
step=""
pip() {
  step="pip $*"
  "$VENV/bin/python" -m pip "$@" 2>&1 | { grep -v "is ignored" || true; }
}
trap 'echo "install: failed at: $step (free space where $VENV lives: $(free_mib) MiB; a full install needs about 2500 MiB)" >&2' ERR
# Import checks below must not write ultralytics settings into the user's home.
export YOLO_OFFLINE=1 YOLO_AUTOINSTALL=False YOLO_CONFIG_DIR="$VENV/ultralytics-config"
pip install -q --upgrade pip || echo "install: could not upgrade pip; going on with the one in $VENV"
# torch first and pinned: an unpinned torch pulls gigabytes of CUDA packages.
pip install -q "torch==$TORCH_VERSION"
pip install -q -r build/requirements.txt
pip install -q --no-deps "ultralytics==$ULTRALYTICS_VERSION" "easyocr==$EASYOCR_VERSION"
# torchvision: decided by testing. The real package is kept only if it imports and runs ops.nms.
tv_ok() {
  "$VENV/bin/python" - <<'PY' >/dev/null 2>&1
import torch, torchvision
keep = torchvision.ops.nms(torch.tensor([[0., 0, 10, 10], [1, 1, 11, 11]]), torch.tensor([0.9, 0.8]), 0.5)
assert keep.tolist() == [0]
PY
}
if ! tv_ok; then
  tv_minor=$(( $(echo "$TORCH_VERSION" | cut -d. -f2) + 15 ))
  pip install -q --no-deps "torchvision==0.${tv_minor}.*" || echo "install: no real torchvision to try"
  if tv_ok; then
    echo "install: using the real torchvision"
  else
    echo "install: the real torchvision cannot run ops.nms here; installing the CPU stand-in from build/torchvision-shim"
    pip uninstall -q -y torchvision || true
    pip install -q --no-deps ./build/torchvision-shim
    tv_ok || { echo "install: torchvision stand-in failed its check" >&2; exit 1; }
  fi
fi
pip install -q --no-deps -e .
step="the import check"
"$VENV/bin/python" -c "import torch, ultralytics, easyocr, PySide6, sqlalchemy, cv2; print('install: ok, torch', torch.__version__)"
rm -f "$VENV"/.gatekeeper-install-*
touch "$stamp"
