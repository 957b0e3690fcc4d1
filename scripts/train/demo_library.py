"""Generate Earshot's demo library: ~200 labelled clips (not from the training or test split) in
mixed formats, plus a few long files so windowed search has something to find.

  scripts/make-demo-library [--out demo/library] [--per-class 6] [--seed 7]
"""
import argparse, csv, os, re, subprocess, sys, tempfile, wave
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from synth import CLASSES, SR, make_group

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
# Compressed formats keep the committed library small; every one is decoded by the pure-JS decoders.
FORMATS = ["ogg", "mp3", "opus", "ogg", "mp3", "flac", "opus", "ogg", "mp3", "opus", "ogg", "wav"]
CODEC_ARGS = {"ogg": ["-c:a", "libvorbis", "-q:a", "3"], "mp3": ["-c:a", "libmp3lame", "-b:a", "96k"], "opus": ["-c:a", "libopus", "-b:a", "48k"],
              "flac": ["-c:a", "flac"], "wav": ["-c:a", "pcm_s16le"]}
LONG = [  # (file name, label, caption, classes in order)
    ("evening_radio_show", "speech", "a radio show: a voice talking, then piano music, then talking again", ["speech", "piano", "piano", "speech", "speech"]),
    ("street_emergency", "siren", "low rumbling traffic noise, then a wailing siren and beeping alarm", ["rumble", "rumble", "siren", "siren", "beeping alarm", "siren"]),
    ("string_rehearsal", "violin", "an orchestra rehearsal: violin, then cello, then a trumpet", ["violin", "violin", "cello", "cello", "trumpet", "violin"]),
]


def slug(s):
    return re.sub(r"[^a-z0-9]+", "-", s.lower()).strip("-")


def write(x, path, fmt):
    with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
        with wave.open(tmp.name, "wb") as w:
            w.setnchannels(1); w.setsampwidth(2); w.setframerate(SR)
            w.writeframes((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
        # Some files keep a lower sample rate, like real libraries (exercises resampling).
        rate = ["-ar", "44100"] if fmt in ("mp3", "ogg") else []
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", tmp.name, *rate, *CODEC_ARGS[fmt], path], check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "demo/library"))
    ap.add_argument("--per-class", type=int, default=6)
    ap.add_argument("--seed", type=int, default=7)  # training uses 20261125 / 20261126: no overlap
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rows, k = [], 0
    pool = {}
    for c in CLASSES:
        group = make_group((c, "demo", args.per_class + 2, args.seed))
        pool[c] = [x for _, x, _ in group[args.per_class:]]  # spare clips for the long files
        for i, (label, x, cap) in enumerate(group[: args.per_class]):
            fmt = FORMATS[k % len(FORMATS)]; k += 1
            rel = f"{slug(label)}/{slug(label)}_{slug(cap)}_{i + 1:02d}.{fmt}"
            os.makedirs(os.path.dirname(os.path.join(args.out, rel)), exist_ok=True)
            write(x, os.path.join(args.out, rel), fmt)
            rows.append((rel, label, cap))
        print(f"{c}: {args.per_class} clips", flush=True)
    os.makedirs(os.path.join(args.out, "long"), exist_ok=True)
    for name, label, cap, parts in LONG:
        used = {}
        chunks = []
        for c in parts:
            i = used.get(c, 0); used[c] = i + 1
            src = pool[c][i % len(pool[c])]
            reps = int(np.ceil(5.0 * SR / len(src)))  # each part lasts at least 5 s
            chunks.append(np.tile(src, reps)[: int(5.5 * SR)])
        rel = f"long/{name}.ogg"
        write(np.concatenate(chunks), os.path.join(args.out, rel), "ogg")
        rows.append((rel, label, cap))
    with open(os.path.join(args.out, "labels.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file", "label", "caption"])
        w.writerows(rows)
    print(f"{len(rows)} files in {args.out}")


if __name__ == "__main__":
    main()
