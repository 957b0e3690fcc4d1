"""A tiny stand-in for Hugging Face `transformers` (not installable offline here) with ClapModel's shape:
audio_model.audio_encoder.patch_embed reproduces HF's fused HTSAT patch embedding in code shape (class and
attribute names, the `torch.where(is_longer == 1)` index, the Python `len(idx) > 0` branch, the in-place AFF
fusion of the indexed rows; small widths), text_model(input_ids, attention_mask), projections, logit_scale_a/t, and a fast tokenizer
that saves a real tokenizer.json. It exercises scripts/export-clap-onnx.py's export, parity check and
manifest writing; it says nothing about the real LAION weights."""
import json
import os
import shutil
from types import SimpleNamespace

import torch
from torch import nn

FAKE_TOKENIZER = os.environ.get("FAKE_TOKENIZER_JSON", "")


def _vocab_size():
    """One embedding row per id of the tokenizer the export saves (clap-mini v2's has 50k words)."""
    if not FAKE_TOKENIZER:
        return 1000
    with open(FAKE_TOKENIZER) as f:
        vocab = json.load(f)["model"]["vocab"]
    return max(vocab.values()) + 1


class ClapAudioAFFBlock(nn.Module):
    """Attentional feature fusion as in HF's block of the same name: a per-position, per-channel sigmoid
    blend of the global patches and the local crops' patches (local branch + pooled global branch)."""

    def __init__(self, c, r=4):
        super().__init__()

        def branch(*head):
            return nn.Sequential(*head, nn.Conv2d(c, c // r, 1), nn.BatchNorm2d(c // r), nn.ReLU(inplace=True),
                                 nn.Conv2d(c // r, c, 1), nn.BatchNorm2d(c))

        self.local_att, self.global_att = branch(), branch(nn.AdaptiveAvgPool2d(1))
        self.sigmoid = nn.Sigmoid()

    def forward(self, hidden_states, residual):
        w = self.sigmoid(self.local_att(hidden_states + residual) + self.global_att(hidden_states + residual))
        return 2 * hidden_states * w + 2 * residual * (1 - w)


class ClapAudioPatchEmbed(nn.Module):
    """The code shape of HF's ClapAudioPatchEmbed (the part scripts/export-clap-onnx.py patches): the global
    view through `proj`; when fused, the three local crops of the rows named by `is_longer_idx` (gathered with
    that data-dependent index, behind a Python `len(...) > 0` branch) through `mel_conv2d`, laid side by
    side, padded, and written back into those rows in place by the AFF block. Same attribute names."""

    def __init__(self, fusion, width, spec=256, patch=4):
        super().__init__()
        self.img_size, self.flatten, self.enable_fusion = (spec, spec), True, fusion
        self.proj = nn.Conv2d(1, width, patch, patch)
        self.norm = nn.LayerNorm(width)
        if fusion:
            self.fusion_model = ClapAudioAFFBlock(width)
            self.mel_conv2d = nn.Conv2d(1, width, (patch, patch * 3), (patch, patch * 3))

    def forward(self, hidden_states, is_longer_idx=None):
        if self.enable_fusion:
            glob = self.proj(hidden_states[:, 0:1, :, :])
            if len(is_longer_idx) > 0:
                loc = hidden_states[is_longer_idx, 1:, :, :].contiguous()
                b, c, h, w = loc.shape
                loc = self.mel_conv2d(loc.view(b * c, 1, h, w))
                _, f, h, w = loc.shape
                loc = loc.view(b, c, f, h, w).permute((0, 2, 3, 1, 4)).contiguous().flatten(3)
                loc = torch.nn.functional.pad(loc, (0, glob.size(-1) - loc.size(-1)), "constant", 0)
                glob[is_longer_idx] = self.fusion_model(glob[is_longer_idx], loc)
            hidden_states = glob
        else:
            hidden_states = self.proj(hidden_states)
        if self.flatten:
            hidden_states = hidden_states.flatten(2).transpose(1, 2)
        return self.norm(hidden_states)


class ClapAudioEncoder(nn.Module):
    """HF's encoder up to the patches, exactly in shape: batch norm over mel bins, `torch.where(is_longer == 1)`
    for the fused rows, bicubic 1001 -> 1024 frames folded into a 256x256 image per channel, patch embedding.
    The Swin stages are replaced by one small per-token block and a mean (they see every row alike, so they
    play no part in the is_longer question)."""

    def __init__(self, fusion, width=16, spec=256, freq_ratio=4):
        super().__init__()
        self.enable_fusion, self.spec_size, self.freq_ratio = fusion, spec, freq_ratio
        self.batch_norm = nn.BatchNorm2d(64)
        self.patch_embed = ClapAudioPatchEmbed(fusion, width, spec)
        self.block = nn.Sequential(nn.Linear(width, 2 * width), nn.GELU(), nn.Linear(2 * width, 2 * width))
        self.norm = nn.LayerNorm(2 * width)

    def reshape_mel2img(self, x):
        _, _, t, f = x.shape
        x = nn.functional.interpolate(x, (self.spec_size * self.freq_ratio, f), mode="bicubic", align_corners=True)
        b, c, t, f = x.shape
        x = x.reshape(b, c * self.freq_ratio, t // self.freq_ratio, f).permute(0, 1, 3, 2).contiguous()
        return x.reshape(b, c, f * self.freq_ratio, t // self.freq_ratio)

    def forward(self, input_features, is_longer=None, return_dict=True):
        x = self.batch_norm(input_features.transpose(1, 3)).transpose(1, 3)
        idx = torch.where(is_longer.to(x.device) == 1)[0] if self.enable_fusion else None
        h = self.patch_embed(self.reshape_mel2img(x), idx)
        h = self.norm(self.block(h))
        return SimpleNamespace(pooler_output=h.mean(1))


class ClapAudioModel(nn.Module):
    def __init__(self, fusion):
        super().__init__()
        self.audio_encoder = ClapAudioEncoder(fusion)

    def forward(self, input_features, is_longer=None, return_dict=True):
        return self.audio_encoder(input_features=input_features, is_longer=is_longer, return_dict=return_dict)


class _Text(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(_vocab_size(), 8)

    def forward(self, input_ids, attention_mask, return_dict=True):
        m = attention_mask.unsqueeze(-1).float()
        return SimpleNamespace(pooler_output=torch.tanh((self.emb(input_ids) * m).sum(1) / m.sum(1)))


class ClapModel(nn.Module):
    @classmethod
    def from_pretrained(cls, name, **kw):
        return cls("unfused" not in name)  # laion/clap-htsat-fused vs laion/clap-htsat-unfused

    def __init__(self, fusion):
        super().__init__()
        torch.manual_seed(1)
        self.config = SimpleNamespace(audio_config=SimpleNamespace(enable_fusion=fusion), projection_dim=512)
        self.audio_model, self.text_model = ClapAudioModel(fusion), _Text()
        self.audio_projection, self.text_projection = nn.Linear(32, 512), nn.Linear(8, 512)
        for m in self.modules():  # non-trivial running statistics, so a batch-norm mix-up cannot hide
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.normal_(0, 0.5)
                m.running_var.uniform_(0.5, 2.0)
        self.logit_scale_a = nn.Parameter(torch.tensor(4.5))
        self.logit_scale_t = nn.Parameter(torch.tensor(2.25))


class _Tok:
    is_fast = True
    model_max_length = 512

    def __call__(self, texts, padding=True, truncation=True, max_length=77, return_tensors="pt"):
        enc = [[0] + [5 + (sum(map(ord, w)) % 900) for w in t.split()][: max_length - 2] + [2] for t in texts]
        n = max(map(len, enc))
        ids = torch.ones(len(enc), n, dtype=torch.long)
        mask = torch.zeros(len(enc), n, dtype=torch.long)
        for i, e in enumerate(enc):
            ids[i, : len(e)] = torch.tensor(e)
            mask[i, : len(e)] = 1
        return {"input_ids": ids, "attention_mask": mask}

    def save_pretrained(self, out):
        shutil.copy(FAKE_TOKENIZER, os.path.join(out, "tokenizer.json"))
        with open(os.path.join(os.path.dirname(FAKE_TOKENIZER), "tokenizer_config.json")) as f:
            cfg = json.load(f)  # special tokens (unk!) come from the config, as with a real save_pretrained
        cfg["model_max_length"] = self.model_max_length
        with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
            json.dump(cfg, f)


class AutoTokenizer:
    @staticmethod
    def from_pretrained(name):
        return _Tok()


class ClapFeatureExtractor:
    @staticmethod
    def from_pretrained(name):
        raise OSError("stand-in has no feature extractor")
