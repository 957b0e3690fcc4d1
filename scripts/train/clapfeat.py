"""CLAP fusion log-mel features in numpy, written from ../shared/clap-reference/SPEC.md (sections 2.2-2.5).

The mini model is trained on exactly what Earshot's TypeScript extractor produces in production mode:
fusion truncation, repeatpad, htk mel bank 50-14000 Hz. Clips used for training are <= 10 s, so the
four fusion channels are identical copies; only one [1001, 64] channel is stored per clip.
"""
import numpy as np

SR = 48000          # CLAP preprocessor sampling_rate
N_FFT = 1024        # fft_window_size
HOP = 480           # hop_length
N_MELS = 64         # feature_size
F_MIN, F_MAX = 50.0, 14000.0   # frequency_min / frequency_max of the checkpoint config
MAX_LEN = 480000    # nb_max_samples (10 s)


def htk_mel_bank():
    mel = lambda f: 2595.0 * np.log10(1.0 + f / 700.0)
    hz = lambda m: 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    fft_freqs = np.linspace(0, SR / 2, N_FFT // 2 + 1)
    pts = hz(np.linspace(mel(F_MIN), mel(F_MAX), N_MELS + 2))
    bank = np.zeros((N_FFT // 2 + 1, N_MELS))
    for m in range(N_MELS):
        lo, c, hi = pts[m], pts[m + 1], pts[m + 2]
        up = (fft_freqs - lo) / (c - lo)
        down = (hi - fft_freqs) / (hi - c)
        bank[:, m] = np.maximum(0, np.minimum(up, down))
    return bank


BANK = htk_mel_bank()
WINDOW = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)  # periodic Hann


def repeatpad(x):
    n = len(x)
    if n >= MAX_LEN:
        return x[:MAX_LEN]
    r = MAX_LEN // n
    out = np.zeros(MAX_LEN, dtype=np.float64)
    out[: r * n] = np.tile(x, r)
    return out


def log_mel(x):
    x = np.asarray(x, dtype=np.float64)
    pad = np.pad(x, (N_FFT // 2, N_FFT // 2), mode="reflect")
    t = 1 + len(x) // HOP
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(t)[:, None]
    frames = pad[idx] * WINDOW[None, :]
    spec = np.fft.rfft(frames, axis=1)
    power = spec.real ** 2 + spec.imag ** 2
    mel = np.maximum(power @ BANK, 1e-10)
    return (10.0 * np.log10(mel)).astype(np.float32)


def clip_features(x):
    """[1001, 64] dB features of a clip of at most 10 s (one fusion channel)."""
    if len(x) == 0:
        raise ValueError("empty clip")
    return log_mel(repeatpad(np.asarray(x, dtype=np.float64)))
