#!/usr/bin/env bash
# Re-extract every translatable string of gatekeeper/ui into resources/i18n/gatekeeper_ko.ts (existing
# translations are kept; new strings are marked unfinished) and compile gatekeeper_ko.qm.
# Usage: bash build/update-translations.sh [-no-obsolete]  (extra arguments go to lupdate)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${VENV:-.venv}/bin"
LUPDATE="$BIN/pyside6-lupdate"
LRELEASE="$BIN/pyside6-lrelease"
for tool in "$LUPDATE" "$LRELEASE"; do
    [[ -x "$tool" ]] || { echo "missing $tool (run build/install.sh first)" >&2; exit 1; }
done
TS=resources/i18n/gatekeeper_ko.ts
QM=resources/i18n/gatekeeper_ko.qm
mkdir -p resources/i18n
mapfile -t SOURCES < <(ls gatekeeper/ui/*.py | sort)
"$LUPDATE" -locations relative -target-language ko_KR "$@" "${SOURCES[@]}" -ts "$TS"
"$LRELEASE" "$TS" -qm "$QM"
unfinished=$(grep -c 'type="unfinished"' "$TS" || true)
if [[ "$unfinished" != "0" ]]; then
    echo "warning: $unfinished string(s) in $TS still need a Korean translation" >&2
fi
