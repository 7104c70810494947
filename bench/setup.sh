#!/usr/bin/env bash
# Installs the Python peer of the benchmarks (Debian's python3-torch 1.13) when it is missing.
# Debian's torch is for /usr/bin/python3 (not a pyenv or venv python). Needed only by `semdepth bench-ae` / `bench-cyclegan`, never by the tests.
set -euo pipefail
if "${SEMDEPTH_PEER_PYTHON:-/usr/bin/python3}" -c "import torch, numpy" 2>/dev/null; then exit 0; fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-torch python3-numpy >/dev/null
/usr/bin/python3 -c "import torch; print('python3-torch', torch.__version__)"
