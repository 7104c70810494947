#!/usr/bin/env bash
# Installs the Python peer of the benchmarks (Debian's python3-torch 1.13) when it is missing, with OpenBLAS:
# Debian's torch calls the generic libblas.so.3, which on a fresh Debian 12 is the slow reference BLAS (a peer
# timed that way is a straw man: 8x slower on the AE); libopenblas0-pthread switches the alternative to OpenBLAS.
# Debian's torch is for /usr/bin/python3 (not a pyenv or venv python). Needed only by the `semdepth bench-*`
# commands, never by the tests. The peer prints the BLAS libraries it loaded beside every figure.
set -euo pipefail
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
need=()
"${SEMDEPTH_PEER_PYTHON:-/usr/bin/python3}" -c "import torch, numpy" 2>/dev/null || need+=(python3-torch python3-numpy)
[ -n "${SEMDEPTH_PEER_PYTHON:-}" ] || dpkg -s libopenblas0-pthread >/dev/null 2>&1 || need+=(libopenblas0-pthread)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
/usr/bin/python3 -c "import torch; print('python3-torch', torch.__version__)"
