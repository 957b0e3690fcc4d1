"""A tiny stand-in for Hugging Face `transformers` (not installable offline here) with ClapModel's shape:
audio_model(input_features, is_longer) with the fused checkpoint's data-dependent `is_longer` indexing and
Python branch, text_model(input_ids, attention_mask), projections, logit_scale_a/t, and a fast tokenizer
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


class _Audio(nn.Module):
    def __init__(self, fusion):
        super().__init__()
        self.fusion = fusion
        self.conv = nn.Conv2d(1, 8, 5, stride=(16, 4))
        self.fuse = nn.Conv2d(3, 1, 1)

    def forward(self, input_features, is_longer=None, return_dict=True):
        x = input_features[:, 0:1]
        if self.fusion:
            idx = torch.where(is_longer[:, 0])[0]
            if len(idx) > 0:  # like ClapAudioPatchEmbed: a Python branch the tracer bakes in
                x = x.clone()
                x[idx] = x[idx] + self.fuse(input_features[idx, 1:4])
        h = torch.relu(self.conv(x)).mean(dim=(2, 3))
        return SimpleNamespace(pooler_output=h)


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
        self.audio_model, self.text_model = _Audio(fusion), _Text()
        self.audio_projection, self.text_projection = nn.Linear(8, 512), nn.Linear(8, 512)
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
