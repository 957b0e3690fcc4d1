"""Real recordings (Debian packages, see sfx_sources.py / sfx_mapping.py) -> augmented CLAP features.

Every random choice is a function of (seed, package, file, variant), so the set is reproducible.
Augmentations (waveform domain, before the feature extractor, like production input):
  level: peak from -45 dBFS up to +12 dB of drive into hard clipping; band limit: brick-wall low-pass
  at 4/5.5/8/11/16 kHz (8-32 kHz sample rates) or a telephone band 300-3400 Hz; background noise
  (white/pink/brown, 5-30 dB SNR); short crops (0.15-1.5 s) and long clips (> 10 s, through CLAP's
  fusion path: global view + three crops, as Earshot computes them).
Stored per sample: the audio tower's fixed front end output (avg-pooled dB mel [126, BANDS], float16).
"""
import hashlib, os, random, subprocess, sys
from multiprocessing import Pool
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from clapfeat import SR, MAX_LEN, log_mel, repeatpad
from sfx_mapping import CLASSES, scan
from sfx_sources import SOURCES

N_FRAMES = 1001
# Mel bands the audio tower's front keeps of CLAP's 64: 64 since v3 (instrument timbres need them), 32 for v2.
# train.py sets it (set_bands) before any worker process forks; the caches are keyed by it.
BANDS = 64


def set_bands(n):
    global BANDS
    if n not in (32, 64):
        raise ValueError(f"bands must be 32 or 64, not {n}")
    BANDS = n


def cache_suffix():
    """The suffix of feature cache names: none for v2's 32 bands, so its caches stay valid."""
    return "" if BANDS == 32 else f"_b{BANDS}"


def decode(path, max_s=30.0):
    """Any audio file -> mono float32 at 48 kHz (ffmpeg), at most max_s seconds."""
    out = subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", path, "-t", str(max_s), "-ac", "1", "-ar", str(SR), "-f", "f32le", "-"],
                         check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
    return np.frombuffer(out, dtype="<f4").astype(np.float32)


def _resize_time(mel, n):
    """Bilinear (align_corners=False) resize of [T, F] along time to n frames (torch interpolate semantics)."""
    t = mel.shape[0]
    scale = t / n
    src = (np.arange(n) + 0.5) * scale - 0.5
    src = np.clip(src, 0, None)
    i0 = np.minimum(np.floor(src).astype(np.int64), t - 1)
    i1 = np.minimum(i0 + 1, t - 1)
    w = (src - i0)[:, None]
    return mel[i0] * (1 - w) + mel[i1] * w


def fusion_mixed(x):
    """The single [1001, 64] channel the audio tower's front sees for a clip (is_longer = true, as Earshot sends).

    <= 10 s: repeat-padded log-mel (4 identical channels). Longer: 0.5 * global view + 0.5 * mean of the three
    deterministic crops (the middle of each third, production mode of apps/api/src/features)."""
    x = np.asarray(x, dtype=np.float64)
    if len(x) <= MAX_LEN:
        return log_mel(repeatpad(x))
    mel = log_mel(x)
    t = mel.shape[0]
    last = t - N_FRAMES
    thirds = np.array_split(np.arange(last + 1), 3)
    crops = [mel[r[0] + (r[-1] - r[0]) // 2 : r[0] + (r[-1] - r[0]) // 2 + N_FRAMES] for r in thirds]
    glob = _resize_time(mel, N_FRAMES)
    return (0.5 * glob + 0.5 * np.mean(crops, axis=0)).astype(np.float32)


def pool_front(f):
    """[1001, 64] -> [126, BANDS]: the fixed average pooling of the audio tower's front (kernel 8 x 64/BANDS, ceil mode)."""
    t = f.shape[0]
    pad = (-t) % 8
    g = f
    if pad:  # ceil_mode: the last window averages only the frames it covers
        g = np.concatenate([f, np.full((pad, f.shape[1]), np.nan, dtype=f.dtype)])
    k = f.shape[1] // BANDS
    g = g.reshape(-1, 8, BANDS, k)
    return np.nanmean(g, axis=(1, 3)).astype(np.float16)


def features(x):
    return pool_front(fusion_mixed(x))


# ---------------------------------------------------------------- augmentation
def colored_noise(n, kind, rng):
    w = rng.standard_normal(n)
    if kind == "white":
        return w
    spec = np.fft.rfft(w)
    f = np.arange(len(spec)) + 1.0
    spec = spec / (np.sqrt(f) if kind == "pink" else f)
    y = np.fft.irfft(spec, n)
    return y / (y.std() + 1e-12)


def band_limit(x, lo, hi):
    spec = np.fft.rfft(x)
    f = np.fft.rfftfreq(len(x), 1.0 / SR)
    spec[(f > hi) | (f < lo)] = 0
    return np.fft.irfft(spec, len(x))


def set_peak(x, db):
    peak = np.abs(x).max()
    if peak <= 0:
        return x
    return np.clip(x * (10 ** (db / 20) / peak), -1, 1)


def augment(x, rng, speech=False, strength=1.0):
    """One random degraded version of a clip (see the module docstring)."""
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    r = rng.random()
    if r < 0.15 and n > int(0.4 * SR):  # short crop
        d = int(SR * rng.uniform(0.15, min(1.5, n / SR)))
        a = rng.randrange(0, n - d + 1)
        x = x[a : a + d]
    elif r < 0.25:  # long clip: repeats with small gaps, 10.5-25 s, through the fusion path
        gap = np.zeros(int(SR * rng.uniform(0, 0.6)))
        target = int(SR * rng.uniform(10.5, 25))
        reps = int(np.ceil(target / (len(x) + len(gap))))
        x = np.concatenate([np.concatenate([x, gap]) for _ in range(reps)])[:target]
    if rng.random() < 0.5 * strength:
        if speech and rng.random() < 0.5:
            x = band_limit(x, 300, 3400)
        else:
            x = band_limit(x, 0, rng.choice([4000, 5512, 8000, 11025, 16000]))
    if rng.random() < 0.4 * strength:
        kind = rng.choice(["white", "pink", "brown"])
        rms = np.sqrt(np.mean(x ** 2)) + 1e-9
        snr = rng.uniform(5, 30)
        x = x + colored_noise(len(x), kind, np.random.default_rng(rng.randrange(2**31))) * rms * 10 ** (-snr / 20)
    # level: mostly normal, sometimes very quiet, sometimes driven into clipping
    u = rng.random()
    db = rng.uniform(-45, -25) if u < 0.2 else (rng.uniform(0, 12) if u < 0.35 else rng.uniform(-25, 0))
    return set_peak(x, db)


# ---------------------------------------------------------------- items
def _seed(*parts):
    return int(hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()[:12], 16)


def speech_utterances(rows, count, seed):
    """Real speech: 1-4 spoken words of one speaker/language folder joined with short pauses (like a sentence)."""
    rng = random.Random(_seed(seed, "speech-pick"))
    by_dir = {}
    for pkg, rel, c, cap in rows:
        if c == "speech":
            by_dir.setdefault((pkg, os.path.dirname(rel)), []).append(rel)
    dirs = sorted(by_dir)
    out = []
    for i in range(count):
        pkg, d = dirs[rng.randrange(len(dirs))]
        files = by_dir[(pkg, d)]
        k = min(len(files), rng.choice([1, 2, 3, 3, 4]))
        out.append((pkg, tuple(rng.sample(files, k)), "speech", "a person speaking"))
    return out


def load_item(cache, item):
    pkg, rels = item[0], item[1]
    root = os.path.join(cache, "x", pkg)
    if isinstance(rels, str):
        return decode(os.path.join(root, rels))
    parts = []
    rng = random.Random(_seed("gap", pkg, *rels))
    for rel in rels:
        y = decode(os.path.join(root, rel))
        y = y / (np.abs(y).max() + 1e-9)
        parts += [y, np.zeros(int(SR * rng.uniform(0.08, 0.4)), dtype=np.float32)]
    return np.concatenate(parts)


def _item_path(cache, item, variants, seed):
    key = hashlib.sha256(repr((seed, variants, item[0], item[1], item[2])).encode()).hexdigest()[:20]
    return os.path.join(cache, "features", "items" + cache_suffix(), f"{key}.npy")


def _work(args):
    cache, item, variants, seed = args
    path = _item_path(cache, item, variants, seed)
    if os.path.exists(path):  # per-file cache: an interrupted build resumes where it stopped
        f = np.load(path, allow_pickle=True)
        return (item, None, str(f)) if f.dtype == object else (item, f, None)
    item, f, err = _work_uncached(cache, item, variants, seed)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.save(path + ".tmp.npy", f if f is not None else np.array(err, dtype=object), allow_pickle=True)
    os.replace(path + ".tmp.npy", path)
    return item, f, err


def _work_uncached(cache, item, variants, seed):
    try:
        x = load_item(cache, item)
    except Exception as e:  # a file ffmpeg cannot read is skipped, and counted
        return item, None, str(e)[:200]
    if len(x) < SR // 100 or np.abs(x).max() < 1e-6:
        return item, None, "silent or empty"
    x = x / np.abs(x).max()
    feats = []
    for v in range(variants):
        rng = random.Random(_seed(seed, item[0], item[1], v))
        y = set_peak(x, rng.uniform(-12, -1)) if v == 0 else augment(x, rng, speech=item[2] == "speech")
        feats.append(features(y))
    return item, np.stack(feats), None


def build(cache, seed, variants=2, speech_count=500, speech_variants=2, workers=2, out=None):
    """Features of every mapped real clip: dict of arrays x [N,126,BANDS] f16, cls, pkg, split, caption, file."""
    out = out or os.path.join(cache, "features", f"real_{seed}_{variants}_{speech_count}{cache_suffix()}.npz")
    if os.path.exists(out):
        d = np.load(out, allow_pickle=True)
        return {k: d[k] for k in d.files}
    rows = scan(cache)
    items = [(p, r, c, cap) for p, r, c, cap in rows if c and c != "speech"]
    speech = speech_utterances(rows, speech_count, seed)
    jobs = [(cache, it, variants, seed) for it in items] + [(cache, it, speech_variants, seed) for it in speech]
    xs, meta, failed = [], [], []
    with Pool(workers) as pool:
        for k, (item, f, err) in enumerate(pool.imap(_work, jobs, chunksize=4)):
            if f is None:
                failed.append((item[0], str(item[1]), err))
                continue
            for v in range(len(f)):
                xs.append(f[v])
                meta.append((item[2], item[0], SOURCES[item[0]][0], item[3], item[1] if isinstance(item[1], str) else "+".join(item[1]), v))
            if k % 100 == 0:
                print(f"  real audio: {k}/{len(jobs)} files", flush=True)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    d = {"x": np.stack(xs), "cls": np.array([m[0] for m in meta]), "pkg": np.array([m[1] for m in meta]),
         "split": np.array([m[2] for m in meta]), "caption": np.array([m[3] for m in meta]), "relpath": np.array([m[4] for m in meta]),
         "variant": np.array([m[5] for m in meta]), "failed": np.array(failed, dtype=object)}
    np.savez(out, **d)
    return d


if __name__ == "__main__":
    import time
    t = time.time()
    cache = sys.argv[1]
    d = build(cache, 20261201, variants=int(sys.argv[2]) if len(sys.argv) > 2 else 2, speech_count=int(sys.argv[3]) if len(sys.argv) > 3 else 500)
    print(len(d["x"]), "samples", time.time() - t, "s; failed", len(d["failed"]))
