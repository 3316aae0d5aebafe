#!/usr/bin/env bash
# Run the built bundle on the demo camera under Xvfb: it must exit 0, write a screenshot,
# and log passes into the database of its (temporary) data folder.
set -euo pipefail
BUNDLE=$(cd "${1:-dist/gatekeeper}" && pwd)
SECONDS_TO_RUN=${SMOKE_SECONDS:-20}
EXE="$BUNDLE/gatekeeper"; [ -x "$EXE" ] || EXE="$BUNDLE/gatekeeper.exe"
OUT=${SMOKE_OUT:-$(mktemp -d)}
mkdir -p "$OUT"
# A fresh home: the bundle must find everything it needs inside itself, nothing in the source tree.
export GATEKEEPER_HOME="$OUT/home"
cd "$OUT"
run=("$EXE" --demo --exit-after "$SECONDS_TO_RUN" --screenshot "$OUT/screenshot.png" --data-dir "$OUT/data")
if [ -z "${DISPLAY:-}" ]; then
  command -v xvfb-run >/dev/null || { echo "smoke: xvfb-run missing (sudo bash build/apt-deps.sh)"; exit 1; }
  run=(xvfb-run -a -s "-screen 0 1600x1000x24" "${run[@]}")
fi
t0=$(date +%s.%N)
"${run[@]}" >"$OUT/bundle.log" 2>&1 || { echo "smoke: the bundle exited non-zero"; tail -40 "$OUT/bundle.log"; exit 1; }
t1=$(date +%s.%N)
[ -s "$OUT/screenshot.png" ] || { echo "smoke: no screenshot written"; tail -40 "$OUT/bundle.log"; exit 1; }
passes=$(python3 - "$OUT/data/gatekeeper.sqlite3" <<'PY'
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("select count(*) from passes").fetchone()[0])
PY
)
first=$(grep -o "first frame after [0-9.]* s" "$OUT/bundle.log" | head -1 || true)
echo "smoke: ok: exit 0, screenshot $OUT/screenshot.png, $passes passes logged, run $(python3 -c "print(round($t1-$t0,1))") s; $first"
[ "$passes" -gt 0 ] || { echo "smoke: no passes were logged"; tail -40 "$OUT/bundle.log"; exit 1; }
