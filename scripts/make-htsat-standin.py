#!/usr/bin/env python3
"""Build a benchmark-only model bundle whose audio tower has the architecture and size of LAION
clap-htsat-fused's HTSAT, with seeded random weights.

    /usr/bin/python3 scripts/make-htsat-standin.py [out-dir]     # default models/htsat-standin
    npm run model:standin
    npm run model:standin -- --text roberta                      # models/htsat-roberta-standin

Why: the bundled demo model (clap-mini, ~2 ms a clip) is so small that bench:ingest's ratio of
pipeline to model-only throughput says nothing about the pipeline a real library runs through; the
real checkpoints cannot be downloaded on a machine without the model hub. The work an ONNX graph
does depends on its shapes, not its weights, so a tower with the same layers and tensor shapes costs
what the real one costs. Its embeddings mean nothing: the manifest says so (isDemo, description) and
it must never be used to search anything.

Architecture (read from the published HTSAT/CLAP description and HF's ClapAudioConfig defaults):
batch-norm over the 64 mel bins; the 1001 frames resized to 1024 (bicubic) and folded into a 256x256
image per channel; global view: 4x4 patch conv to 96 channels (64x64 tokens); the three local crops:
a 4x12 conv each, side by side, merged into the global patches by attentional feature fusion (AFF);
a Swin transformer with window 8, depths 2/2/6/2, heads 4/8/16/32, widths 96/192/384/768 with patch
merging between stages; layer norm, mean over tokens, projection 768 -> 512 -> 512 (ReLU).
The fusion branch is computed for every row and selected by `is_longer`: Earshot always sets it
(docs/models.md), so every row of a real run takes this path too.

`--text roberta` also replaces clap-mini's text tower by one of the size of CLAP's RoBERTa-base text tower
(HF RobertaModel: 50265-token embeddings, 514 positions, 12 layers of 768 wide with 12 heads and a 3072 MLP,
the <s> pooler, projection 768 -> 512 -> 512; 125.6 M parameters, ~500 MB), random weights, fed clap-mini's
tokenizer (its ids fit the vocabulary): the cost of an uncached text query with a real-size tower.

Needs Debian's python3-torch and python3-onnx. Writes audio_model.onnx (~120 MB, dynamic batch),
copies clap-mini's text tower and tokenizer (a text tower is part of every bundle; bench:ingest never
runs it) and writes manifest.json with sha256 sums. The folder is git-ignored.
"""
import hashlib
import json
import os
import shutil
import sys

import torch
from torch import nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FRAMES, MELS, SPEC, WINDOW = 1001, 64, 256, 8
DEPTHS, HEADS, WIDTH = (2, 2, 6, 2), (4, 8, 16, 32), 96


class WindowAttention(nn.Module):
    """Multi-head self-attention inside one window, with a learned relative-position bias."""

    def __init__(self, dim, heads, ws):
        super().__init__()
        self.heads, self.scale = heads, (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.bias_table = nn.Parameter(torch.randn((2 * ws - 1) ** 2, heads) * 0.02)
        c = torch.stack(torch.meshgrid(torch.arange(ws), torch.arange(ws), indexing="ij")).flatten(1)
        rel = c[:, :, None] - c[:, None, :]
        self.register_buffer("bias_index", ((rel[0] + ws - 1) * (2 * ws - 1) + rel[1] + ws - 1).reshape(-1))

    def forward(self, x, mask):
        bw, n, c = x.shape
        q, k, v = self.qkv(x).reshape(bw, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        attn = (q * self.scale) @ k.transpose(-2, -1)
        attn = attn + self.bias_table[self.bias_index].reshape(n, n, -1).permute(2, 0, 1).unsqueeze(0)
        if mask is not None:
            nw = mask.shape[0]
            attn = (attn.view(bw // nw, nw, self.heads, n, n) + mask.unsqueeze(1).unsqueeze(0)).view(-1, self.heads, n, n)
        return self.proj((attn.softmax(-1) @ v).transpose(1, 2).reshape(bw, n, c))


class SwinBlock(nn.Module):
    def __init__(self, dim, heads, res, shift):
        super().__init__()
        ws = min(WINDOW, res)
        self.res, self.ws, self.shift = res, ws, (shift if res > WINDOW else 0)
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = WindowAttention(dim, heads, ws)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))
        mask = None
        if self.shift:
            # Shifted windows mix regions that were not neighbours; they must not attend to each other.
            region = torch.zeros(1, res, res, 1)
            spans = (slice(0, -ws), slice(-ws, -self.shift), slice(-self.shift, None))
            label = 0
            for hs in spans:
                for wsl in spans:
                    region[:, hs, wsl, :] = label
                    label += 1
            win = self._windows(region).view(-1, ws * ws)
            mask = (win.unsqueeze(1) - win.unsqueeze(2)).ne(0).float() * -100.0
        self.register_buffer("mask", mask)

    def _windows(self, x):
        b, h, w, c = x.shape
        ws = self.ws
        return x.view(b, h // ws, ws, w // ws, ws, c).permute(0, 1, 3, 2, 4, 5).reshape(-1, ws * ws, c)

    def forward(self, x):
        b, n, c = x.shape
        ws, r = self.ws, self.res
        h = self.norm1(x).view(b, r, r, c)
        if self.shift:
            h = torch.roll(h, (-self.shift, -self.shift), (1, 2))
        h = self.attn(self._windows(h), self.mask)
        h = h.view(b, r // ws, r // ws, ws, ws, c).permute(0, 1, 3, 2, 4, 5).reshape(b, r, r, c)
        if self.shift:
            h = torch.roll(h, (self.shift, self.shift), (1, 2))
        x = x + h.reshape(b, n, c)
        return x + self.mlp(self.norm2(x))


class PatchMerging(nn.Module):
    def __init__(self, dim, res):
        super().__init__()
        self.res = res
        self.norm = nn.LayerNorm(4 * dim)
        self.reduce = nn.Linear(4 * dim, 2 * dim, bias=False)

    def forward(self, x):
        b, _, c = x.shape
        x = x.view(b, self.res, self.res, c)
        x = torch.cat([x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]], -1)
        return self.reduce(self.norm(x.view(b, -1, 4 * c)))


class AFF(nn.Module):
    """Attentional feature fusion: a learned per-position, per-channel blend of two feature maps."""

    def __init__(self, c, r=4):
        super().__init__()
        i = c // r

        def branch(*head):
            return nn.Sequential(*head, nn.Conv2d(c, i, 1), nn.BatchNorm2d(i), nn.ReLU(), nn.Conv2d(i, c, 1), nn.BatchNorm2d(c))

        self.local, self.glob = branch(), branch(nn.AdaptiveAvgPool2d(1))

    def forward(self, x, residual):
        a = x + residual
        w = torch.sigmoid(self.local(a) + self.glob(a))
        return 2 * x * w + 2 * residual * (1 - w)


class HtsatAudioTower(nn.Module):
    def __init__(self):
        super().__init__()
        self.bn0 = nn.BatchNorm2d(MELS)
        self.patch = nn.Conv2d(1, WIDTH, 4, 4)
        self.mel_conv = nn.Conv2d(1, WIDTH, (4, 12), (4, 12))
        self.fusion = AFF(WIDTH)
        self.patch_norm = nn.LayerNorm(WIDTH)
        layers, res, dim = [], SPEC // 4, WIDTH
        for s, (depth, heads) in enumerate(zip(DEPTHS, HEADS)):
            layers += [SwinBlock(dim, heads, res, 0 if d % 2 == 0 else WINDOW // 2) for d in range(depth)]
            if s < len(DEPTHS) - 1:
                layers.append(PatchMerging(dim, res))
                res, dim = res // 2, dim * 2
        self.layers = nn.Sequential(*layers)
        self.norm = nn.LayerNorm(dim)
        self.proj1, self.proj2 = nn.Linear(dim, 512), nn.Linear(512, 512)

    def forward(self, input_features, is_longer):
        b = input_features.shape[0]
        x = self.bn0(input_features.transpose(1, 3)).transpose(1, 3)
        x = F.interpolate(x, (SPEC * 4, MELS), mode="bicubic", align_corners=True)
        x = x.reshape(b, 16, SPEC, MELS).permute(0, 1, 3, 2).reshape(b, 4, SPEC, SPEC)
        g = self.patch(x[:, 0:1])
        loc = self.mel_conv(x[:, 1:4].reshape(b * 3, 1, SPEC, SPEC))
        loc = loc.view(b, 3, WIDTH, loc.shape[2], loc.shape[3]).permute(0, 2, 3, 1, 4).flatten(3)
        loc = F.pad(loc, (0, g.shape[3] - loc.shape[3]))
        w = is_longer.to(x.dtype).view(b, 1, 1, 1)
        g = w * self.fusion(g, loc) + (1 - w) * g
        x = self.patch_norm(g.flatten(2).transpose(1, 2))
        x = self.norm(self.layers(x)).mean(1)
        return self.proj2(F.relu(self.proj1(x)))


class BertLayer(nn.Module):
    """One post-norm encoder layer as in HF's RobertaLayer (separate q/k/v projections, GELU MLP)."""

    def __init__(self, d, heads, mlp):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))
        self.norm1, self.norm2 = nn.LayerNorm(d, eps=1e-5), nn.LayerNorm(d, eps=1e-5)
        self.up, self.down = nn.Linear(d, mlp), nn.Linear(mlp, d)

    def forward(self, x, bias):
        b, n, d = x.shape
        split = lambda t: t.view(b, n, self.heads, d // self.heads).transpose(1, 2)  # noqa: E731
        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        attn = (q @ k.transpose(-1, -2)) / (d // self.heads) ** 0.5 + bias
        h = (attn.softmax(-1) @ v).transpose(1, 2).reshape(b, n, d)
        x = self.norm1(x + self.o(h))
        return self.norm2(x + self.down(F.gelu(self.up(x))))


class RobertaSizeTextTower(nn.Module):
    """The layers and shapes of CLAP's text tower (RobertaModel + ClapProjectionLayer), random weights."""

    VOCAB, POSITIONS, DIM, LAYERS, HEADS, MLP, PAD = 50265, 514, 768, 12, 12, 3072, 1

    def __init__(self):
        super().__init__()
        d = self.DIM
        self.word = nn.Embedding(self.VOCAB, d, padding_idx=self.PAD)
        self.pos = nn.Embedding(self.POSITIONS, d, padding_idx=self.PAD)
        self.token_type = nn.Embedding(1, d)
        self.emb_norm = nn.LayerNorm(d, eps=1e-5)
        self.layers = nn.ModuleList(BertLayer(d, self.HEADS, self.MLP) for _ in range(self.LAYERS))
        self.pooler = nn.Linear(d, d)
        self.proj1, self.proj2 = nn.Linear(d, 512), nn.Linear(512, 512)
        for p in self.parameters():  # BERT-style init keeps the activations in a realistic range
            if p.dim() > 1:
                nn.init.normal_(p, std=0.02)

    def forward(self, input_ids, attention_mask):
        # RoBERTa's positions count the non-pad tokens from padding_idx + 1.
        keep = attention_mask.to(torch.long)
        positions = torch.cumsum(keep, 1) * keep + self.PAD
        x = self.emb_norm(self.word(input_ids) + self.pos(positions) + self.token_type(torch.zeros_like(input_ids)))
        bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * -1e9  # HF's extended attention mask
        for layer in self.layers:
            x = layer(x, bias)
        pooled = torch.tanh(self.pooler(x[:, 0]))
        return self.proj2(F.relu(self.proj1(pooled)))


def write_roberta_text(path):
    torch.manual_seed(1)
    tower = RobertaSizeTextTower().eval()
    params = sum(p.numel() for p in tower.parameters())
    print(f"[standin] RoBERTa-size text tower: {params / 1e6:.1f} M parameters", flush=True)
    ids = torch.tensor([[0, 31, 77, 2, 1], [0, 400, 9, 12, 2]])
    mask = (ids != RobertaSizeTextTower.PAD).long()
    with torch.no_grad():
        torch.onnx.export(tower, (ids, mask), path, opset_version=17, do_constant_folding=True,
                          input_names=["input_ids", "attention_mask"], output_names=["text_embeds"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                                        "text_embeds": {0: "batch"}})
    print(f"[standin] wrote {path} ({os.path.getsize(path) / 1e6:.0f} MB)", flush=True)
    return params


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    argv = sys.argv[1:]
    if "-h" in argv or "--help" in argv:
        print(__doc__)
        return
    roberta = False
    if "--text" in argv:
        i = argv.index("--text")
        if argv[i + 1:i + 2] not in (["roberta"], ["mini"]):
            sys.exit("--text takes roberta or mini")
        roberta = argv[i + 1] == "roberta"
        del argv[i:i + 2]
    default = "htsat-roberta-standin" if roberta else "htsat-standin"
    out = os.path.abspath(argv[0] if argv else os.path.join(ROOT, "models", default))
    mini = os.path.join(ROOT, "models", "clap-mini")
    torch.manual_seed(0)
    tower = HtsatAudioTower().eval()
    params = sum(p.numel() for p in tower.parameters())
    print(f"[standin] HTSAT-shaped audio tower: {params / 1e6:.1f} M parameters", flush=True)
    os.makedirs(out, exist_ok=True)
    audio = os.path.join(out, "audio_model.onnx")
    feats = torch.randn(2, 4, FRAMES, MELS) * 20 - 50
    longer = torch.ones(2, 1, dtype=torch.bool)
    with torch.no_grad():
        torch.onnx.export(tower, (feats, longer), audio, opset_version=17, do_constant_folding=True,
                          input_names=["input_features", "is_longer"], output_names=["audio_embeds"],
                          dynamic_axes={"input_features": {0: "batch"}, "is_longer": {0: "batch"}, "audio_embeds": {0: "batch"}})
    print(f"[standin] wrote {audio} ({os.path.getsize(audio) / 1e6:.0f} MB)", flush=True)
    src = json.load(open(os.path.join(mini, "manifest.json")))
    for f in ([] if roberta else [src["files"]["text"]]) + [src["files"]["tokenizer"], "tokenizer_config.json"]:
        if os.path.exists(os.path.join(mini, f)):
            shutil.copyfile(os.path.join(mini, f), os.path.join(out, f))
    text_note = "Text tower: clap-mini's."
    if roberta:
        text_params = write_roberta_text(os.path.join(out, "text_model.onnx"))
        text_note = (f"Text tower: the size of CLAP's RoBERTa-base ({text_params / 1e6:.1f} M parameters), random weights, "
                     "clap-mini's tokenizer.")
    files = {"audio": "audio_model.onnx", "text": "text_model.onnx" if roberta else src["files"]["text"], "tokenizer": src["files"]["tokenizer"]}
    manifest = {
        "name": os.path.basename(out),
        "source": "scripts/make-htsat-standin.py: random weights (seed 0), for bench:ingest only",
        "description": "BENCHMARK ONLY: an audio tower with the architecture and size of clap-htsat-fused's HTSAT and "
        f"random weights ({params / 1e6:.1f} M parameters); its embeddings mean nothing. {text_note}",
        "embeddingDim": 512,
        "featureMode": "fusion",
        "sampleRate": 48000,
        "logitScaleA": src["logitScaleA"],
        "logitScaleT": src["logitScaleT"],
        "promptTemplate": src["promptTemplate"],
        "maxTextLength": 77 if roberta else src["maxTextLength"],  # 77: LAION CLAP's text length
        "isDemo": True,
        "files": files,
        "sha256": {name: sha256(os.path.join(out, name)) for name in files.values()},
    }
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print(f"[standin] wrote {os.path.join(out, 'manifest.json')}", flush=True)


if __name__ == "__main__":
    main()
