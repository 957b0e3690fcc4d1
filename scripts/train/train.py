"""Train Earshot's demo model `clap-mini` contrastively on synthesized audio, evaluate it, export ONNX.

Reproducible: every random choice comes from --seed. Runs on CPU with Debian's python3-torch.
Outputs (models/clap-mini): audio_model.onnx, text_model.onnx, tokenizer.json, tokenizer_config.json,
manifest.json, metrics.json, tokenizer_golden.json.
"""
import argparse, hashlib, json, os, re, sys, time
from multiprocessing import Pool
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from clapfeat import clip_features
from synth import CLASSES, SYNONYMS, CAPTION_TEMPLATES, make_group

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "../.."))
PROMPT = "This is a sound of {}."
MAX_TEXT = 32
SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]  # ids 0..3, RoBERTa's order (SPEC 3.3)
WORD_RE = re.compile(r"\w+|[^\w\s]+")          # the `Whitespace` pre-tokenizer of HF tokenizers


def log(*a):
    print(f"[{time.strftime('%H:%M:%S')}]", *a, flush=True)


# ---------------------------------------------------------------- data
def featurize(group):
    return [(label, clip_features(x).astype(np.float16), cap) for label, x, cap in make_group(group)]


def build_split(split, per_class, seed, workers, cache):
    path = os.path.join(cache, f"{split}_{per_class}_{seed}.npz")
    if os.path.exists(path):
        d = np.load(path, allow_pickle=True)
        return d["x"], d["y"], list(d["cap"])
    t = time.time()
    with Pool(workers) as pool:
        groups = pool.map(featurize, [(c, split, per_class, seed) for c in CLASSES], chunksize=1)
    items = [it for g in groups for it in g]
    x = np.stack([it[1] for it in items])
    y = np.array([CLASSES.index(it[0]) for it in items], dtype=np.int64)
    cap = [it[2] for it in items]
    os.makedirs(cache, exist_ok=True)
    np.savez(path, x=x, y=y, cap=np.array(cap, dtype=object))
    log(f"{split}: {len(items)} clips synthesized in {time.time() - t:.0f} s")
    return x, y, cap


# ---------------------------------------------------------------- tokenizer
def words(text):
    return WORD_RE.findall(text.lower())


def build_vocab():
    vocab = {t: i for i, t in enumerate(SPECIALS)}
    texts = [PROMPT.format(s) for c in CLASSES for s in SYNONYMS[c]]
    texts += [t.format(s) for t in CAPTION_TEMPLATES for c in CLASSES for s in SYNONYMS[c]]
    texts += ["a", "an", "the", "of", "sound", "sounds", "recording", "music", "instrument", "playing", "noise", "voice"]
    for text in texts:
        for w in words(text):
            vocab.setdefault(w, len(vocab))
    return vocab


def encode(text, vocab):
    ids = [0] + [vocab.get(w, 3) for w in words(text)][: MAX_TEXT - 2] + [2]
    return ids


def batch_encode(texts, vocab):
    enc = [encode(t, vocab) for t in texts]
    n = max(len(e) for e in enc)
    ids = torch.full((len(enc), n), 1, dtype=torch.long)
    mask = torch.zeros((len(enc), n), dtype=torch.long)
    for i, e in enumerate(enc):
        ids[i, : len(e)] = torch.tensor(e)
        mask[i, : len(e)] = 1
    return ids, mask


def tokenizer_json(vocab):
    special = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}
               for i, t in enumerate(SPECIALS)]
    tok = lambda t, i: {"id": t, "ids": [i], "tokens": [t]}
    return {
        "version": "1.0",
        "truncation": {"direction": "Right", "max_length": MAX_TEXT, "strategy": "LongestFirst", "stride": 0},
        "padding": None,
        "added_tokens": special,
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "special_tokens": {"<s>": tok("<s>", 0), "</s>": tok("</s>", 2)},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "<unk>"},
    }


# ---------------------------------------------------------------- model
class AudioTower(nn.Module):
    """[B,4,1001,64] CLAP fusion features (+ is_longer) -> [B,512]."""

    def __init__(self):
        super().__init__()
        def block(i, o):
            return nn.Sequential(nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU(), nn.MaxPool2d(2))
        self.bn0 = nn.BatchNorm2d(1)
        self.convs = nn.Sequential(block(1, 24), block(24, 48), block(48, 96), block(96, 128))
        self.proj = nn.Sequential(nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, 512))

    @staticmethod
    def front(input_features, is_longer):
        """Fixed (weight-free) front end, also applied once to the whole training set."""
        # Like CLAP's fusion: long clips mix the global view (ch 0) with the local crops (ch 1-3);
        # short clips have four identical channels, so both branches agree for them.
        glob = input_features[:, 0:1]
        local = input_features[:, 1:4].mean(dim=1, keepdim=True)
        w = is_longer.to(input_features.dtype).view(-1, 1, 1, 1)
        x = glob * (1 - 0.5 * w) + local * (0.5 * w)
        # Repeat-padded 10 s inputs: an 8x coarser time axis and 32 mel bands keep the timbre at a
        # sixteenth of the cost, which is what lets the model train on 2 CPU cores.
        return F.avg_pool2d(x, kernel_size=(8, 2), ceil_mode=True)

    def body(self, x):
        x = self.convs(self.bn0((x + 50.0) / 20.0))
        x = torch.cat([x.mean(dim=(2, 3)), x.amax(dim=(2, 3))], dim=1)
        return self.proj(x)

    def forward(self, input_features, is_longer):
        return self.body(self.front(input_features, is_longer))


class TextTower(nn.Module):
    """input_ids, attention_mask [B,S] -> [B,512]: token embeddings, masked mean, MLP."""

    def __init__(self, vocab_size):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, 256, padding_idx=1)
        self.proj = nn.Sequential(nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, 512))

    def forward(self, input_ids, attention_mask):
        m = attention_mask.unsqueeze(-1).to(torch.float32)
        h = (self.emb(input_ids) * m).sum(1) / m.sum(1).clamp(min=1.0)
        return self.proj(h)


def pooled(x16, bs=256):
    """AudioTower.front of stored single-channel features (is_longer = true, 4 identical channels)."""
    out = []
    for i in range(0, len(x16), bs):
        a, l = audio_input(x16[i : i + bs])
        out.append(AudioTower.front(a, l))
    return torch.cat(out)


def audio_input(x16):
    x = torch.from_numpy(x16.astype(np.float32)).unsqueeze(1).expand(-1, 4, -1, -1)
    return x, torch.ones(x.shape[0], 1, dtype=torch.bool)


# ---------------------------------------------------------------- train / eval
def embed_audio(model, xp, bs=256):
    with torch.no_grad():
        return torch.cat([F.normalize(model.body(xp[i : i + bs]), dim=-1) for i in range(0, len(xp), bs)])


def embed_text(model, texts, vocab):
    with torch.no_grad():
        ids, mask = batch_encode(texts, vocab)
        return F.normalize(model(ids, mask), dim=-1)


def evaluate(audio, text, vocab, x, y, caps):
    audio.eval(); text.eval()
    a = embed_audio(audio, x)
    t = embed_text(text, [PROMPT.format(c) for c in CLASSES], vocab)
    zs = (a @ t.T).argmax(1).numpy()
    acc = float((zs == y).mean())
    # text -> audio retrieval: each held-out caption must find its own clip (R@k over all clips)
    tc = embed_text(text, caps, vocab)
    sim = tc @ a.T
    ranks = (sim > sim.diag().unsqueeze(1)).sum(1).numpy()
    # class-level retrieval: a caption's hit is any clip of the same class
    order = sim.argsort(dim=1, descending=True).numpy()
    cls_r1 = float(np.mean([y[order[i, 0]] == y[i] for i in range(len(y))]))
    cls_r10 = float(np.mean([(y[order[i, :10]] == y[i]).any() for i in range(len(y))]))
    per_class = {c: float((zs[y == k] == k).mean()) for k, c in enumerate(CLASSES)}
    return {"zero_shot_accuracy": acc, "t2a_instance_R@1": float((ranks < 1).mean()), "t2a_instance_R@10": float((ranks < 10).mean()),
            "t2a_class_R@1": cls_r1, "t2a_class_R@10": cls_r10, "per_class_zero_shot": per_class, "n_test": int(len(y))}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=20261125)
    ap.add_argument("--train-per-class", type=int, default=60)
    ap.add_argument("--test-per-class", type=int, default=20)
    ap.add_argument("--epochs", type=int, default=14)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=os.path.join(ROOT, "models/clap-mini"))
    ap.add_argument("--cache", default=os.path.join(HERE, ".cache"))
    args = ap.parse_args()
    torch.manual_seed(args.seed); np.random.seed(args.seed)
    torch.set_num_threads(args.threads)
    t0 = time.time()
    xtr, ytr, ctr = build_split("train", args.train_per_class, args.seed, args.threads, args.cache)
    xte, yte, cte = build_split("test", args.test_per_class, args.seed + 1, args.threads, args.cache)
    vocab = build_vocab()
    ptr, pte = pooled(xtr), pooled(xte)
    log(f"data ready: train {len(ytr)}, test {len(yte)}, vocab {len(vocab)}")

    audio, text = AudioTower(), TextTower(len(vocab))
    logit_scale = nn.Parameter(torch.tensor(np.log(1 / 0.07), dtype=torch.float32))
    params = list(audio.parameters()) + list(text.parameters()) + [logit_scale]
    opt = torch.optim.AdamW(params, lr=2e-3, weight_decay=1e-4)
    bs = 64
    steps = args.epochs * ((len(ytr) + bs - 1) // bs)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps, pct_start=0.15)
    rng = np.random.default_rng(args.seed)
    synonyms = [[s for s in SYNONYMS[c]] for c in CLASSES]
    for epoch in range(args.epochs):
        audio.train(); text.train()
        perm = rng.permutation(len(ytr))
        total = 0.0
        for i in range(0, len(perm), bs):
            idx = perm[i : i + bs]
            # half the captions are the generated ones, half fresh template x synonym draws (more text variety)
            caps = [ctr[j] if rng.random() < 0.5 else CAPTION_TEMPLATES[rng.integers(len(CAPTION_TEMPLATES))].format(
                synonyms[ytr[j]][rng.integers(len(synonyms[ytr[j]]))]) for j in idx]
            ids, mask = batch_encode(caps, vocab)
            ea, et = F.normalize(audio.body(ptr[idx]), dim=-1), F.normalize(text(ids, mask), dim=-1)
            logits = logit_scale.clamp(max=np.log(100)).exp() * ea @ et.T
            # Clips of the same class are all positives for each other's captions (no false negatives).
            same = torch.from_numpy((ytr[idx][:, None] == ytr[idx][None, :]).astype(np.float32))
            target = same / same.sum(1, keepdim=True)
            loss = 0.5 * (-(target * F.log_softmax(logits, 1)).sum(1).mean() - (target * F.log_softmax(logits.T, 1)).sum(1).mean())
            opt.zero_grad(); loss.backward(); opt.step(); sched.step()
            total += float(loss) * len(idx)
        m = evaluate(audio, text, vocab, pte, yte, cte)
        log(f"epoch {epoch + 1}/{args.epochs} loss {total / len(ytr):.3f} zero-shot {m['zero_shot_accuracy']:.3f} "
            f"R@1 {m['t2a_class_R@1']:.3f} scale {float(logit_scale.exp()):.1f}")

    metrics = evaluate(audio, text, vocab, pte, yte, cte)
    metrics.update({"seed": args.seed, "train_clips": int(len(ytr)), "classes": CLASSES, "epochs": args.epochs,
                    "prompt_template": PROMPT, "train_seconds": round(time.time() - t0)})
    export(args.out, audio, text, vocab, float(logit_scale.detach().clamp(max=np.log(100))), metrics, xte[:2])
    log(f"done in {time.time() - t0:.0f} s: zero-shot {metrics['zero_shot_accuracy']:.3f}")


def export(out, audio, text, vocab, logit_scale, metrics, sample_x):
    os.makedirs(out, exist_ok=True)
    audio.eval(); text.eval()
    a, l = audio_input(sample_x)
    torch.onnx.export(audio, (a, l), os.path.join(out, "audio_model.onnx"), input_names=["input_features", "is_longer"],
                      output_names=["audio_embeds"], dynamic_axes={"input_features": {0: "batch"}, "is_longer": {0: "batch"}, "audio_embeds": {0: "batch"}},
                      opset_version=17)
    ids, mask = batch_encode(["This is a sound of piano.", "a dog"], vocab)
    torch.onnx.export(text, (ids, mask), os.path.join(out, "text_model.onnx"), input_names=["input_ids", "attention_mask"],
                      output_names=["text_embeds"], dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                                                                 "text_embeds": {0: "batch"}}, opset_version=17)
    with open(os.path.join(out, "tokenizer.json"), "w") as f:
        json.dump(tokenizer_json(vocab), f, indent=1)
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": MAX_TEXT, "bos_token": "<s>", "eos_token": "</s>",
                   "pad_token": "<pad>", "unk_token": "<unk>", "do_lower_case": True}, f, indent=1)
    golden_texts = [PROMPT.format(c) for c in CLASSES] + ["Rain on a tin roof!", "SOLO Violin, slow", "a dog barking"]
    # Reference outputs for the runtime's tests: ids and (torch) embeddings of a few texts and two clips.
    with torch.no_grad():
        ti, tm = batch_encode(golden_texts[:3], vocab)
        t_emb = text(ti, tm).numpy().tolist()
        a_emb = audio(a, l).numpy().tolist()
    with open(os.path.join(out, "tokenizer_golden.json"), "w") as f:
        json.dump({"texts": golden_texts, "ids": [encode(t, vocab) for t in golden_texts]}, f)
    with open(os.path.join(out, "torch_reference.json"), "w") as f:
        json.dump({"texts": golden_texts[:3], "text_embeds": t_emb, "audio_features_f16_npz": None, "audio_embeds": a_emb}, f)
    np.save(os.path.join(out, "reference_features.npy"), sample_x.astype(np.float16))
    sha = {}
    for name in ("audio_model.onnx", "text_model.onnx", "tokenizer.json"):
        sha[name] = hashlib.sha256(open(os.path.join(out, name), "rb").read()).hexdigest()
    manifest = {
        "name": "clap-mini", "source": "trained by scripts/train-mini-clap on synthetic audio (this repository)",
        "description": "Demo model: a small CNN audio tower and a word-embedding text tower trained contrastively on "
                       f"{len(CLASSES)} synthetic classes. Same I/O contract as LAION CLAP (fused). Not for real libraries.",
        "embeddingDim": 512, "featureMode": "fusion", "sampleRate": 48000,
        "logitScaleA": logit_scale, "logitScaleT": logit_scale, "promptTemplate": PROMPT, "maxTextLength": MAX_TEXT,
        "isDemo": True, "files": {"audio": "audio_model.onnx", "text": "text_model.onnx", "tokenizer": "tokenizer.json"},
        "sha256": sha, "classes": CLASSES,
    }
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1)
    from model_card import write_card
    write_card(out)


if __name__ == "__main__":
    main()
