"""PyTorch twins of the library's networks (lib/Models), with the same parameter and buffer names, so that
weights exported by `semdepth export` load with load_state_dict(strict=True) and give the same outputs.

Keep in step with lib/Models/DepthAutoencoder.cs and lib/Models/Networks.cs: module order and attribute
names are the state-dict keys.
"""
from collections import OrderedDict

import torch
from torch import nn

AE_WIDTHS = [3456, 1024, 512, 256, 128, 256, 512, 1024, 3456]


class DepthAutoencoder(nn.Module):
    """The organiser's MLP autoencoder: keys layers.fc{i}.*, layers.bn{i}.*"""

    def __init__(self):
        super().__init__()
        mods = OrderedDict()
        for i in range(len(AE_WIDTHS) - 1):
            mods[f"fc{i}"] = nn.Linear(AE_WIDTHS[i], AE_WIDTHS[i + 1])
            if i < len(AE_WIDTHS) - 2:
                mods[f"bn{i}"] = nn.BatchNorm1d(AE_WIDTHS[i + 1])
                mods[f"relu{i}"] = nn.ReLU()
        self.layers = nn.Sequential(mods)

    def forward(self, x):
        n = x.shape[0]
        return self.layers(x.reshape(n, 3456)).reshape(n, 1, 72, 48)


def norm(kind, ch):
    return {"batch": lambda: nn.BatchNorm2d(ch), "instance": lambda: nn.InstanceNorm2d(ch), "none": nn.Identity}[kind]()


class ResnetBlock(nn.Module):
    def __init__(self, ch, kind, dropout):
        super().__init__()
        bias = kind != "batch"
        mods = [nn.ReflectionPad2d(1), nn.Conv2d(ch, ch, 3, bias=bias), norm(kind, ch), nn.ReLU(True)]
        if dropout > 0:
            mods.append(nn.Dropout(dropout))
        mods += [nn.ReflectionPad2d(1), nn.Conv2d(ch, ch, 3, bias=bias), norm(kind, ch)]
        self.body = nn.Sequential(*mods)

    def forward(self, x):
        return x + self.body(x)


class ResnetGenerator(nn.Module):
    def __init__(self, width=16, blocks=3, kind="batch", dropout=0.5):
        super().__init__()
        bias = kind != "batch"
        mods = [nn.ReflectionPad2d(3), nn.Conv2d(1, width, 7, bias=bias), norm(kind, width), nn.ReLU(True)]
        ch = width
        for _ in range(2):
            mods += [nn.Conv2d(ch, ch * 2, 3, 2, 1, bias=bias), norm(kind, ch * 2), nn.ReLU(True)]
            ch *= 2
        mods += [ResnetBlock(ch, kind, dropout) for _ in range(blocks)]
        for _ in range(2):
            mods += [nn.ConvTranspose2d(ch, ch // 2, 3, 2, 1, output_padding=1, bias=bias), norm(kind, ch // 2), nn.ReLU(True)]
            ch //= 2
        mods += [nn.ReflectionPad2d(3), nn.Conv2d(width, 1, 7), nn.Tanh()]
        self.model = nn.Sequential(*mods)

    def forward(self, x):
        return self.model(x)


class PatchDiscriminator(nn.Module):
    def __init__(self, width=16, layers=3, kind="batch"):
        super().__init__()
        bias = kind != "batch"
        mods = [nn.Conv2d(1, width, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        ch = width
        for i in range(1, layers + 1):
            nxt = width * min(1 << i, 8)
            mods += [nn.Conv2d(ch, nxt, 4, 2 if i < layers else 1, 1, bias=bias), norm(kind, nxt), nn.LeakyReLU(0.2, True)]
            ch = nxt
        mods.append(nn.Conv2d(ch, 1, 4, 1, 1))
        self.model = nn.Sequential(*mods)

    def forward(self, x):
        return self.model(x)


def double_conv(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True),
                         nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True))


class DepthUNet(nn.Module):
    def __init__(self, width=16, depth=3):
        super().__init__()
        self.down, self.up, self.merge = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        ch, w = 1, width
        for _ in range(depth):
            self.down.append(double_conv(ch, w))
            ch = w
            w *= 2
        self.bottom = double_conv(ch, w)
        for _ in range(depth):
            self.up.append(nn.ConvTranspose2d(w, w // 2, 2, stride=2))
            self.merge.append(double_conv(w, w // 2))
            w //= 2
        self.head = nn.Conv2d(w, 1, 1)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        skips = []
        for d in self.down:
            x = d(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bottom(x)
        for i in range(len(self.up)):
            x = self.merge[i](torch.cat([skips[-(i + 1)], self.up[i](x)], 1))
        return self.head(x)


class CaseClassifier(nn.Module):
    def __init__(self, width=16, classes=4, kind="batch"):
        super().__init__()
        mods, ch = [], 1
        for i in range(4):
            nxt = width << i
            mods += [nn.Conv2d(ch, nxt, 3, padding=1, bias=kind != "batch"), norm(kind, nxt), nn.ReLU(True)]
            if i < 3:
                mods.append(nn.MaxPool2d(2))
            ch = nxt
        mods.append(nn.AdaptiveAvgPool2d(1))
        self.features = nn.Sequential(*mods)
        self.fc = nn.Linear(ch, classes)

    def forward(self, x):
        return self.fc(self.features(x).flatten(1))


def build(spec):
    """A network from the JSON spec `semdepth export` writes beside the weights."""
    kind = spec["network"]
    if kind == "ae":
        return DepthAutoencoder()
    if kind == "unet":
        return DepthUNet(spec.get("width", 16), spec.get("depth", 3))
    if kind == "classifier":
        return CaseClassifier(spec.get("width", 16), spec.get("classes", 4), spec.get("norm", "batch"))
    if kind == "generator":
        return ResnetGenerator(spec["width"], spec["blocks"], spec["norm"], spec["dropout"])
    if kind == "discriminator":
        return PatchDiscriminator(spec["width"], spec["layers"], spec["norm"])
    raise ValueError(f"unknown network {kind}")
