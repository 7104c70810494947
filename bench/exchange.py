"""Loads networks exported by `semdepth export --check` into their PyTorch twins (bench/models.py) and compares
outputs with TorchSharp's on the same inputs. Prints one JSON line per network; exits 1 when any maximum
absolute difference is above --tolerance (default 1e-5) or a file does not load with strict=True.

usage: python3 bench/exchange.py SPEC.json [SPEC.json ...] [--tolerance 1e-5]
"""
import argparse
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402

DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "I32": np.int32, "F16": np.float16, "U8": np.uint8, "BOOL": np.bool_}


def load_safetensors(path):
    """The safetensors format read directly (8-byte header length, JSON header, raw little-endian data),
    so the check needs no package beyond torch and numpy."""
    try:
        from safetensors.torch import load_file
        return load_file(path)
    except ImportError:
        pass
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for key, meta in header.items():
        if key == "__metadata__":
            continue
        begin, end = meta["data_offsets"]
        arr = np.frombuffer(data[begin:end], dtype=DTYPES[meta["dtype"]]).reshape(meta["shape"])
        out[key] = torch.from_numpy(arr.copy())
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("specs", nargs="+")
    ap.add_argument("--tolerance", type=float, default=1e-5)
    a = ap.parse_args()
    torch.set_num_threads(1)
    ok = True
    for spec_path in a.specs:
        base = os.path.dirname(os.path.abspath(spec_path))
        spec = json.load(open(spec_path))
        weights = os.path.join(base, spec["weights"])
        state = load_safetensors(weights) if weights.endswith(".safetensors") else torch.load(weights, map_location="cpu")
        net = models.build(spec)
        try:
            net.load_state_dict(state, strict=True)
        except RuntimeError as e:
            print(json.dumps({"spec": os.path.basename(spec_path), "ok": False, "error": str(e).splitlines()[0]}))
            ok = False
            continue
        net.eval()
        x = torch.from_numpy(np.fromfile(os.path.join(base, spec["check_input"]), dtype=np.float32).reshape(spec["input_shape"]))
        shape = spec["output_shape"]
        expected32 = np.fromfile(os.path.join(base, spec["check_output"]), dtype=np.float32).reshape(shape)
        expected64 = np.fromfile(os.path.join(base, spec["check_output64"]), dtype=np.float64).reshape(shape)
        with torch.no_grad():
            y32 = net(x).numpy()
            y64 = net.double()(x.double()).numpy()

        def diff(y, e):
            return float(np.abs(y - e).max()) if y.shape == e.shape else float("inf")
        # pass/fail on float64 (the same weights, no accumulation-order noise); float32 reported beside it
        d64, d32 = diff(y64, expected64), diff(y32, expected32)
        good = d64 <= a.tolerance
        ok &= good
        print(json.dumps({"spec": os.path.basename(spec_path), "network": spec["network"], "format": os.path.splitext(weights)[1][1:],
                          "keys": len(state), "max_abs_diff_float64": d64, "max_abs_diff_float32": d32,
                          "output_scale": float(np.abs(expected32).max()), "ok": good, "peer": "pytorch " + torch.__version__}))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
