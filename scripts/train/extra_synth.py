"""Synthetic classes clap-mini v2 adds to synth.py's set: keyboard typing and silence.

Keyboard typing: key presses built from short resonant clicks (press + release, 30-90 ms apart) at typing
rhythm (60-300 ms between keys, pauses between words, a louder space bar). Silence: digital silence or a
noise floor at -100 to -70 dBFS. Pure functions of (class, split, index, seed) like synth.py.
"""
import random
import numpy as np

SR = 48000
EXTRA = ["keyboard typing", "silence"]
EXTRA_SYNONYMS = {
    "keyboard typing": ["keyboard typing", "typing on a keyboard", "someone typing", "computer keyboard", "keystrokes", "a mechanical keyboard"],
    "silence": ["silence", "nothing", "no sound", "quiet", "an empty recording"],
}


def click(rng, nrng, loud=1.0):
    n = int(SR * rng.uniform(0.004, 0.02))
    t = np.arange(n) / SR
    env = np.exp(-t / rng.uniform(0.0008, 0.004))
    noise = nrng.standard_normal(n)
    tone = sum(np.sin(2 * np.pi * rng.uniform(1500, 7000) * t + rng.uniform(0, 6.28)) * rng.uniform(0.2, 1.0) for _ in range(2))
    thump = np.sin(2 * np.pi * rng.uniform(120, 400) * t) * rng.uniform(0.0, 0.8)
    return (noise * rng.uniform(0.3, 1.0) + tone + thump) * env * loud


def typing(rng, nrng):
    dur = rng.uniform(1.0, 6.0)
    x = np.zeros(int(SR * (dur + 0.3)))
    t = rng.uniform(0, 0.2)
    tone_scale = rng.uniform(0.6, 1.4)
    while t < dur:
        space = rng.random() < 0.15
        loud = rng.uniform(0.5, 1.0) * (1.4 if space else 1.0)
        for off, l in ((0.0, loud), (rng.uniform(0.03, 0.09), loud * rng.uniform(0.2, 0.6))):
            c = click(rng, nrng, l) * tone_scale
            a = int(SR * (t + off))
            x[a : a + len(c)] += c[: max(0, len(x) - a)]
        t += rng.uniform(0.06, 0.3) + (rng.uniform(0.2, 0.8) if rng.random() < 0.12 else 0)
    return x


def silence(rng, nrng):
    n = int(SR * rng.uniform(0.5, 8.0))
    if rng.random() < 0.5:
        return np.zeros(n)
    return nrng.standard_normal(n) * 10 ** (rng.uniform(-100, -70) / 20)


def make_extra(label, split, count, seed):
    out = []
    for i in range(count):
        rng = random.Random(f"{seed}/{split}/{label}/{i}")
        nrng = np.random.default_rng(rng.randrange(2**31))
        x = typing(rng, nrng) if label == "keyboard typing" else silence(rng, nrng)
        if label != "silence":
            x = x / (np.abs(x).max() + 1e-12) * rng.uniform(0.3, 0.95)
        out.append(x.astype(np.float32))
    return out
