#!/usr/bin/env bash
# Run the given command with a display: the real one if there is one, else a virtual Xvfb screen.
set -uo pipefail
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec "$@"
fi
if ! command -v xvfb-run >/dev/null 2>&1; then
  echo "No display found and Xvfb is not installed."
  if [ "$(id -u)" -eq 0 ] || command -v sudo >/dev/null 2>&1; then
    echo "Installing Xvfb and the Qt xcb libraries (build/apt-deps.sh)..."
    bash "$(dirname "$0")/apt-deps.sh" || { echo "Install failed: run 'sudo bash build/apt-deps.sh' and try again."; exit 1; }
  else
    echo "Run 'sudo bash build/apt-deps.sh' (installs xvfb, libxcb-cursor0, fonts-nanum ...) and try again."
    exit 1
  fi
fi
echo "No display: running the window on a virtual screen (Xvfb). Use --screenshot FILE to see it."
exec xvfb-run -a -s "-screen 0 1600x1000x24" "$@"
