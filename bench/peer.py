"""Python/PyTorch peer of the SemDepth benchmarks: the same networks and training steps as the C#
library, timed the same way, on the same cached images (the library's uint8 cache files, 64-byte
header then 72x48 images). Prints one JSON object per measurement. Run by `semdepth bench ae` and
`semdepth bench cyclegan`; needs python3-torch (bench/setup.sh installs Debian's)."""
import argparse, ctypes, ctypes.util, json, os, statistics, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

H, W, P = 72, 48, 72 * 48


def tune_heap():
    """The allocator settings of the C# side (lib/Torch/NativeHeap.cs): glibc's mmap threshold at 32 MiB, no
    mmap for larger blocks (M_MMAP_MAX 0) and trim threshold at 1 GiB, so torch's large CPU buffers are reused
    from the heap instead of mapped and faulted in anew every batch or chunk. SEMDEPTH_HEAP_TUNING=0 leaves
    glibc's defaults, on both sides."""
    if os.environ.get("SEMDEPTH_HEAP_TUNING") == "0":
        return "left at glibc's defaults (SEMDEPTH_HEAP_TUNING=0)"
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        ok = libc.mallopt(-3, 32 << 20) == 1 and libc.mallopt(-1, 1 << 30) == 1   # M_MMAP_THRESHOLD, M_TRIM_THRESHOLD
        if not ok:
            return "mallopt refused the settings: glibc defaults"
        no_mmap = libc.mallopt(-4, 0) == 1                                          # M_MMAP_MAX
        return "glibc mmap threshold 32 MiB" + (" (no mmap: large blocks from the heap)" if no_mmap else "") + ", trim threshold 1024 MiB"
    except (OSError, AttributeError):
        return "no glibc mallopt: allocator left as it is"


HEAP = tune_heap()


def cache(path):
    return np.memmap(path, dtype=np.uint8, mode="r", offset=64).reshape(-1, 1, H, W)


class AE(nn.Module):
    """3456-1024-512-256-128-256-512-1024-3456, BatchNorm1d + ReLU between layers, linear output."""
    widths = [3456, 1024, 512, 256, 128, 256, 512, 1024, 3456]

    def __init__(self):
        super().__init__()
        layers = []
        for i in range(8):
            layers.append(nn.Linear(self.widths[i], self.widths[i + 1]))
            if i < 7:
                layers += [nn.BatchNorm1d(self.widths[i + 1]), nn.ReLU()]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        n = x.shape[0]
        return self.net(x.reshape(n, P)).reshape(n, 1, H, W)


class ResBlock(nn.Module):
    def __init__(self, c, dropout):
        super().__init__()
        layers = [nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3, bias=False), nn.BatchNorm2d(c), nn.ReLU(True)]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        layers += [nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3, bias=False), nn.BatchNorm2d(c)]
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.body(x)


def generator(w=16, blocks=3, dropout=0.5):
    m = [nn.ReflectionPad2d(3), nn.Conv2d(1, w, 7, bias=False), nn.BatchNorm2d(w), nn.ReLU(True)]
    c = w
    for _ in range(2):
        m += [nn.Conv2d(c, 2 * c, 3, 2, 1, bias=False), nn.BatchNorm2d(2 * c), nn.ReLU(True)]
        c *= 2
    m += [ResBlock(c, dropout) for _ in range(blocks)]
    for _ in range(2):
        m += [nn.ConvTranspose2d(c, c // 2, 3, 2, 1, output_padding=1, bias=False), nn.BatchNorm2d(c // 2), nn.ReLU(True)]
        c //= 2
    m += [nn.ReflectionPad2d(3), nn.Conv2d(w, 1, 7), nn.Tanh()]
    return nn.Sequential(*m)


def discriminator(w=16, layers=3):
    m = [nn.Conv2d(1, w, 4, 2, 1), nn.LeakyReLU(0.2, True)]
    c = w
    for i in range(1, layers + 1):
        nxt = w * min(2 ** i, 8)
        m += [nn.Conv2d(c, nxt, 4, 2 if i < layers else 1, 1), nn.InstanceNorm2d(nxt), nn.LeakyReLU(0.2, True)]
        c = nxt
    m.append(nn.Conv2d(c, 1, 4, 1, 1))
    return nn.Sequential(*m)


DEVICE = "cpu"


def batches(sem, depth, bs, n, loading, seed, sym):
    """Yields (x, y) like the C# loop: shuffled indices, uint8 -> float; or one fixed batch (loading off)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(sem))
    scale, shift = (1 / 127.5, -1.0) if sym else (1 / 255.0, 0.0)
    fixed = None
    for b in range(n):
        if loading or fixed is None:
            idx = np.sort(order[(b * bs) % (len(order) - bs):][:bs])
            x = torch.from_numpy(np.asarray(sem[idx], dtype=np.float32) * scale + shift).to(DEVICE)
            y = None if depth is None else torch.from_numpy(np.asarray(depth[idx // 2], dtype=np.float32) / 255.0).to(DEVICE)
            fixed = (x, y)
        yield fixed


def bench_ae(a):
    sem, depth = cache(a.sem), cache(a.depth)
    torch.manual_seed(41)
    model = AE().to(DEVICE)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    model.train()
    rates = []
    for rep in range(a.reps + 1):  # the first repetition warms up
        t = time.perf_counter()
        for x, y in batches(sem, depth, a.batch, a.batches, a.loading == "on", rep, False):
            opt.zero_grad()
            loss = F.l1_loss(model(x), y)
            loss.backward()
            opt.step()
        sync()
        if rep > 0:
            rates.append(a.batch * a.batches / (time.perf_counter() - t))
    return rates


def bench_cyclegan(a):
    sem = cache(a.sem)
    real = cache(a.real)
    torch.manual_seed(41)
    g_rs, g_sr, d_s, d_r = (m.to(DEVICE) for m in (generator(), generator(), discriminator(), discriminator()))
    opt_g = torch.optim.Adam(list(g_rs.parameters()) + list(g_sr.parameters()), 2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(list(d_s.parameters()) + list(d_r.parameters()), 2e-4, betas=(0.5, 0.999))
    for m in (g_rs, g_sr, d_s, d_r):
        m.train()
    rates = []
    for rep in range(a.reps + 1):
        t = time.perf_counter()
        reals = batches(real, None, a.batch, a.batches, True, 100 + rep, True)
        for (sim_sem, _), (real_sem, _) in zip(batches(sem, None, a.batch, a.batches, True, rep, True), reals):
            fake_sim = g_rs(real_sem); rec_real = g_sr(fake_sim)
            fake_real = g_sr(sim_sem); rec_sim = g_rs(fake_real)
            for p in list(d_s.parameters()) + list(d_r.parameters()):
                p.requires_grad_(False)
            opt_g.zero_grad()
            idt = (F.l1_loss(g_rs(sim_sem), sim_sem) + F.l1_loss(g_sr(real_sem), real_sem)) * 5
            ps, pr = d_s(fake_sim), d_r(fake_real)
            adv = F.mse_loss(ps, torch.ones_like(ps)) + F.mse_loss(pr, torch.ones_like(pr))
            cyc = (F.l1_loss(rec_real, real_sem) + F.l1_loss(rec_sim, sim_sem)) * 10
            (adv + cyc + idt).backward()
            opt_g.step()
            for p in list(d_s.parameters()) + list(d_r.parameters()):
                p.requires_grad_(True)
            opt_d.zero_grad()
            for d, r, f in ((d_s, sim_sem, fake_sim), (d_r, real_sem, fake_real)):
                sr, sf = d(r), d(f.detach())
                ((F.mse_loss(sr, torch.ones_like(sr)) + F.mse_loss(sf, torch.zeros_like(sf))) * 0.5).backward()
            opt_d.step()
        sync()
        if rep > 0:
            rates.append(2 * a.batch * a.batches / (time.perf_counter() - t))  # images of both domains
    return rates


def blas_info():
    """What BLAS this torch really calls: its build config and the BLAS library mapped into the process."""
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1]
                if any(k in path for k in ("blas", "lapack", "mkl", "dnnl")):
                    libs.add(os.path.realpath(path))
    except OSError:
        pass
    cfg = torch.__config__.show()
    blas = [l.strip() for l in cfg.splitlines() if "BLAS" in l or "LAPACK" in l]
    return {"blas_libraries_loaded": sorted(libs), "config_blas": blas}


def text_arg(v):
    """A list argument given inline or as @file (long lists do not fit a command line)."""
    if v.startswith("@"):
        with open(v[1:]) as f:
            return f.read()
    return v


def bench_retrieval(a):
    """Exact retrieval as the C# side does it: z-scored unit keys (mean of itr0/itr1 of every simulated SEM of
    the case), queries z-scored and circularly shifted by -s..s px in both axes, chunked (S, n, D) x (D, K)
    products, best over shifts, top-1. Same cached images, same chunk bound."""
    sem = cache(a.sem)                       # (2M, 72, 48): itr0, itr1 of each depth map
    queries = cache(a.real)[: a.queries]     # (Q, 72, 48)
    cases = [int(c) for c in text_arg(a.cases).split(",")]   # case of each depth map, in order
    qcases = [int(c) for c in text_arg(a.query_cases).split(",")][: len(queries)]
    dev = torch.device(DEVICE)

    def normalize(x):
        x = x - x.mean(dim=1, keepdim=True)
        return x / x.norm(dim=1, keepdim=True).clamp_min(1e-6)

    s = a.shift
    shifts = [(dy, dx) for dy in range(-s, s + 1) for dx in range(-s, s + 1)]
    # keys are built once, outside the timed loop (the C# side times a library built beforehand too)
    per_case = {}
    for c in sorted(set(cases)):
        maps = [i for i, k in enumerate(cases) if k == c]
        pair = torch.from_numpy(sem[[2 * i for i in maps]]).float() + torch.from_numpy(sem[[2 * i + 1 for i in maps]]).float()
        keys = normalize((pair / 255.0 - 1.0).reshape(len(maps), -1)).to(dev)   # (K, D): mean of itr0/itr1 in [-1, 1]
        per_case[c] = (maps, keys)
    sync()
    times = []
    found = None
    for rep in range(a.reps + 1):
        t0 = time.perf_counter()
        found = {}
        for c, (maps, keys) in per_case.items():
            qi = [j for j, k in enumerate(qcases) if k == c]
            chunk = max(1, min(4096, a.chunk_mib * (1 << 20) // (4 * len(shifts) * len(maps))))
            for st in range(0, len(qi), chunk):
                ids = qi[st: st + chunk]
                q = normalize((torch.from_numpy(queries[ids]).float() / 127.5 - 1).reshape(len(ids), -1)).to(dev)
                img = q.reshape(len(ids), 72, 48)
                shifted = torch.stack([img.roll((dy, dx), (1, 2)).reshape(len(ids), -1) for dy, dx in shifts])  # (S, n, D)
                best, _ = (shifted @ keys.t()).max(0)          # (n, K)
                top = best.argmax(1)
                for j, t in zip(ids, top.tolist()):
                    found[j] = maps[t]
        sync()
        if rep > 0:
            times.append(time.perf_counter() - t0)
    return times, [found[j] for j in range(len(queries))]


def cuda_info():
    """Precision settings that change GPU matmul speed: printed so both sides can be compared like for like."""
    if DEVICE != "cuda":
        return {}
    return {"gpu": torch.cuda.get_device_name(0), "matmul_allow_tf32": torch.backends.cuda.matmul.allow_tf32,
            "cudnn_allow_tf32": torch.backends.cudnn.allow_tf32, "float32_matmul_precision": torch.get_float32_matmul_precision()}


def sync():
    if DEVICE == "cuda":
        torch.cuda.synchronize()


def forward_flops(model, shape):
    """FLOPs of one image's forward pass: 2 x the multiply-adds of every Conv2d, ConvTranspose2d and Linear,
    counted with forward hooks on a batch of one."""
    macs = []

    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            macs.append(out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1])
        elif isinstance(m, nn.ConvTranspose2d):
            macs.append(inp[0].numel() * (m.out_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1])
        elif isinstance(m, nn.Linear):
            macs.append(out.numel() * m.in_features)

    handles = [m.register_forward_hook(hook) for m in model.modules()]
    was = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *shape, device=DEVICE))
    model.train(was)
    for h in handles:
        h.remove()
    return 2 * sum(macs)


class NetCase:
    """One case of `semdepth bench nets`, built on first use: the network of bench/models.py (the architecture the
    exchange test checks against TorchSharp's), its optimiser and the cached images it reads, one step at a time."""

    def __init__(self, r):
        import models
        self.name, self.batch = r["case"], r["batch"]
        torch.manual_seed(41)
        net = self.name.split("-")[0]
        self.model = {"unet": lambda: models.DepthUNet(16, 3), "classifier": lambda: models.CaseClassifier(16),
                      "ae": lambda: models.DepthAutoencoder(), "generator": lambda: models.ResnetGenerator()}[net]().to(DEVICE)
        self.train = self.name.endswith("train")
        self.model.train(self.train)
        self.opt = torch.optim.Adam(self.model.parameters(), 1e-3) if self.train else None
        self.sem = cache(r["sem"])
        self.depth = cache(r["depth"]) if r.get("depth") else None
        self.real = cache(r["real"]) if r.get("real") else None
        self.sym = r.get("symmetric", True)
        self.sites, self.per_site = r.get("sites", 0), r.get("per_site", 0)
        self.labels = torch.from_numpy(np.arange(self.batch) % 4).to(DEVICE)
        self.step = 0
        self.flops = forward_flops(self.model, (1, H, W))

    def images(self, arr, n, depth_of=None):
        idx = np.sort(np.random.default_rng(self.step).choice(len(arr), n, replace=False))
        scale, shift = (1 / 127.5, -1.0) if self.sym else (1 / 255.0, 0.0)
        x = torch.from_numpy(np.asarray(arr[idx], dtype=np.float32) * scale + shift).to(DEVICE)
        y = None if depth_of is None else torch.from_numpy(np.asarray(depth_of[idx // 2], dtype=np.float32) / 255.0).to(DEVICE)
        return x, y

    def run(self, steps):
        t = time.perf_counter()
        for _ in range(steps):
            self.step += 1
            if not self.train:
                with torch.no_grad():
                    x, _ = self.images(self.sem, self.batch)
                    self.model(x)
                continue
            self.opt.zero_grad()
            if self.name == "unet-weak-train":
                x, y = self.images(self.sem, self.batch, self.depth)
                r, _ = self.images(self.real, self.sites * self.per_site)
                out = self.model(torch.cat([x, r], 0))
                site_means = out[self.batch:].reshape(self.sites, -1).mean(1)
                target = torch.full((self.sites,), 0.5, device=DEVICE)
                loss = F.l1_loss(out[:self.batch], y) + (site_means - target).abs().mean()
            elif self.name == "classifier-train":
                x, _ = self.images(self.sem, self.batch)
                loss = F.cross_entropy(self.model(x), self.labels)
            else:
                x, y = self.images(self.sem, self.batch, self.depth)
                loss = F.l1_loss(self.model(x), y)
            loss.backward()
            self.opt.step()
        sync()
        return time.perf_counter() - t


def serve():
    """`semdepth bench nets` drives this process over stdin/stdout, one JSON line each way, so that the two sides'
    repetitions alternate: {"case": ..., "steps": n, ...} runs n steps of that case and answers the seconds."""
    cases = {}
    print(json.dumps({"peer": "pytorch " + torch.__version__, "threads": torch.get_num_threads(), "heap": HEAP, **blas_info()}))
    sys.stdout.flush()
    for line in sys.stdin:
        r = json.loads(line)
        c = cases.get(r["case"]) or cases.setdefault(r["case"], NetCase(r))
        seconds = c.run(r["steps"])
        print(json.dumps({"case": c.name, "seconds": seconds, "images": r["steps"] * c.batch, "forward_flops": c.flops}))
        sys.stdout.flush()


def main():
    global DEVICE
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["ae", "cyclegan", "retrieval", "blas", "serve"])
    ap.add_argument("--sem", default="")
    ap.add_argument("--depth")
    ap.add_argument("--real")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--batches", type=int, default=20)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--loading", choices=["on", "off"], default="on")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--cases", default="")
    ap.add_argument("--query-cases", default="")
    ap.add_argument("--shift", type=int, default=2)
    ap.add_argument("--chunk-mib", type=int, default=256)
    a = ap.parse_args()
    DEVICE = a.device
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    if a.mode == "serve":
        serve()
        return
    if a.mode == "blas":
        print(json.dumps({"peer": "pytorch " + torch.__version__, "threads": torch.get_num_threads(), "heap": HEAP, **blas_info()}))
        return
    if a.mode == "retrieval":
        times, found = bench_retrieval(a)
        print(json.dumps({"peer": "pytorch " + torch.__version__, "mode": a.mode, "device": a.device, "threads": torch.get_num_threads(),
                          "seconds": times, "median": statistics.median(times), "found": found, "heap": HEAP, **blas_info(), **cuda_info()}))
        sys.stdout.flush()
        return
    rates = bench_ae(a) if a.mode == "ae" else bench_cyclegan(a)
    print(json.dumps({**blas_info(), "peer": "pytorch " + torch.__version__, "mode": a.mode, "device": a.device, "batch": a.batch, "loading": a.loading, "threads": torch.get_num_threads(),
                      "images_per_s": rates, "median": statistics.median(rates), "heap": HEAP}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
