#!/usr/bin/env bash
# Build the one-folder bundle dist/gatekeeper/ from gatekeeper.spec, then smoke-test it:
# start it on the demo camera under Xvfb, screenshot, exit 0, passes in its database.
# SKIP_SMOKE=1 builds only. Prints the bundle size and the time to first frame.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
"$VENV/bin/python" -m pip install -q -r build/requirements-package.txt 2>&1 | grep -v "is ignored" || true
export YOLO_OFFLINE=1 YOLO_AUTOINSTALL=False
start=$(date +%s)
"$VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN \
  --workpath build/pyinstaller --distpath dist gatekeeper.spec
echo "package: built dist/gatekeeper in $(( $(date +%s) - start )) s, size $(du -sh dist/gatekeeper | cut -f1)"
"$VENV/bin/python" build/bundle_report.py dist/gatekeeper || true
[ "${SKIP_SMOKE:-0}" = "1" ] && exit 0
bash build/smoke-bundle.sh dist/gatekeeper
