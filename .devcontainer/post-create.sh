#!/usr/bin/env bash
# Runs once when the dev container is created: picks the TorchSharp backend from what the container
# sees (a GPU through the NVIDIA runtime -> cuda, else cpu), installs the fonts the charts are drawn
# with and OpenBLAS, restores CSharpier (the layout CI checks) and builds the library and the console.
# The backend is written to .torch-backend (git-ignored), which every later build reads (Directory.Build.props):
# switch by editing that file, or for one build with -p:TorchBackend=cuda|cpu.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  backend=cuda
  echo "post-create: GPU visible ($(nvidia-smi -L | head -n 1)): building the CUDA backend (TorchSharp-cuda-linux, several GB to restore)"
else
  backend=cpu
  echo "post-create: no GPU visible: building the CPU backend"
fi
# DejaVu Sans draws the charts' text; OpenBLAS multiplies retrieval's search products (libtorch's matmul otherwise)
missing=()
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
[ -e /usr/lib/x86_64-linux-gnu/libopenblas.so.0 ] || missing+=(libopenblas0-pthread)
if [ ${#missing[@]} -gt 0 ]; then
  sudo apt-get update -qq && sudo apt-get install -y -qq "${missing[@]}"
fi
echo "$backend" > .torch-backend
dotnet tool restore
dotnet build SemDepth.Lib.csproj
dotnet build cli
