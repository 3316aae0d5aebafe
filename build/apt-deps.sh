#!/usr/bin/env bash
# Debian packages for a real window: Xvfb, the xcb libraries Qt's xcb plugin needs, a Hangul font; and,
# optional, the plate typefaces the Latin reader's synthetic training plates are drawn in (FHWA series,
# DIN 1451: training only, and it falls back to the other fonts without them).
# --check-only prints what is missing; otherwise installs it (needs root or sudo). The exit status is
# about the window's packages only: an optional package that cannot be installed is reported, not fatal.
set -uo pipefail
PKGS=(xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
      libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 libxcb-shape0 libegl1 libgl1 libfontconfig1
      libdbus-1-3 fonts-nanum)
OPTIONAL=(fonts-roadgeek fonts-opendin)

missing_of() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}
mapfile -t missing < <(missing_of "${PKGS[@]}")
mapfile -t optional < <(missing_of "${OPTIONAL[@]}")
[ ${#missing[@]} -eq 0 ] && [ ${#optional[@]} -eq 0 ] && exit 0
if [ "${1:-}" = "--check-only" ]; then
  [ ${#optional[@]} -gt 0 ] && echo "apt-deps: optional training fonts missing: ${optional[*]}"
  [ ${#missing[@]} -eq 0 ] && exit 0
  echo "apt-deps: missing Debian packages (GUI tests under Xvfb will be skipped): ${missing[*]}"
  echo "apt-deps: install them with: sudo bash build/apt-deps.sh"
  exit 1
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || exit 1
if [ ${#optional[@]} -gt 0 ]; then
  $SUDO apt-get install -y -qq --no-install-recommends "${optional[@]}" \
    || echo "apt-deps: optional training fonts not installed: ${optional[*]}"
fi
[ ${#missing[@]} -eq 0 ] && exit 0
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
