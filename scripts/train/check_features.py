"""Compare clapfeat.py with the golden tensors of ../shared/clap-reference (cases <= 10 s)."""
import json, os, sys
import numpy as np
sys.path.insert(0, os.path.dirname(__file__))
from clapfeat import clip_features, BANK

ref = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../../shared/clap-reference")
if not os.path.isdir(ref):
    print(f"skip: {ref} not found"); sys.exit(0)
bank = np.fromfile(os.path.join(ref, "mel_filters_htk_fmin50_fmax14000.bin"), dtype="<f8").reshape(513, 64)
print("htk bank max diff", np.abs(bank - BANK).max())
n = np.arange(48000)
cases = {
    "a_sine440_1s": np.float32(0.5 * np.sin(2 * np.pi * 440 * n / 48000)),
    "e_silence_2s": np.zeros(96000, dtype=np.float32),
}
t = np.arange(480000) / 48000
cases["c_chirp_10s"] = np.float32(0.4 * np.sin(2 * np.pi * (100 * t + (8000 - 100) / (2 * 10) * t * t)))
worst = 0.0
for name, x in cases.items():
    gold = np.fromfile(os.path.join(ref, f"features_{name}_fusion.bin"), dtype="<f4").reshape(4, 1001, 64)
    d = np.abs(clip_features(x) - gold[0]).max()
    worst = max(worst, d)
    print(name, "max |diff| dB", d)
assert worst < 1e-3, worst
print("ok")
