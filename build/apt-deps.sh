#!/usr/bin/env bash
# Debian packages for a real window: Xvfb, the xcb libraries Qt's xcb plugin needs, a Hangul font; and the
# plate typefaces the Latin reader's synthetic training plates are drawn in (FHWA series, DIN 1451).
# --check-only prints what is missing; otherwise installs it (needs root or sudo).
set -uo pipefail
PKGS=(xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
      libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 libxcb-shape0 libegl1 libgl1 libfontconfig1
      libdbus-1-3 fonts-nanum fonts-roadgeek fonts-opendin)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "${1:-}" = "--check-only" ]; then
  echo "apt-deps: missing Debian packages (GUI tests under Xvfb will be skipped): ${missing[*]}"
  echo "apt-deps: install them with: sudo bash build/apt-deps.sh"
  exit 1
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
