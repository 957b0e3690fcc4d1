"""Synthesize labelled audio for the mini CLAP model with Debian tools (fluidsynth, espeak-ng, sox).

Every clip is a pure function of (class, split, index, seed), so the data set is reproducible.
Classes: General MIDI instruments rendered by fluidsynth with FluidR3_GM, espeak-ng speech, and
sox-made noises, tones and sirens. Some clips get background noise mixed in (label unchanged).
"""
import io, os, random, struct, subprocess, sys, tempfile, wave
import numpy as np

SR = 48000
SF2 = "/usr/share/sounds/sf2/FluidR3_GM.sf2"

# name -> (GM program, lowest note, highest note); program -1 = percussion channel (drum kit)
INSTRUMENTS = {
    "piano": (0, 40, 84), "harpsichord": (6, 45, 84), "glockenspiel": (9, 72, 96),
    "vibraphone": (11, 53, 84), "marimba": (12, 45, 84), "xylophone": (13, 60, 96),
    "tubular bells": (14, 55, 77), "church organ": (19, 36, 84), "accordion": (21, 48, 81),
    "harmonica": (22, 55, 84), "acoustic guitar": (24, 40, 76), "electric guitar": (27, 40, 79),
    "distorted guitar": (30, 40, 76), "bass guitar": (33, 28, 55), "violin": (40, 55, 93),
    "cello": (42, 36, 72), "harp": (46, 36, 91), "trumpet": (56, 55, 82), "trombone": (57, 40, 72),
    "tuba": (58, 28, 58), "french horn": (60, 41, 77), "saxophone": (65, 49, 81),
    "clarinet": (71, 50, 89), "flute": (73, 60, 96), "banjo": (105, 48, 79), "steel drums": (114, 52, 84),
    "drum kit": (-1, 35, 59),
}
OTHER = ["speech", "white noise", "rumble", "sine tone", "siren", "beeping alarm", "ticking clock"]
CLASSES = list(INSTRUMENTS) + OTHER

SYNONYMS = {
    "piano": ["piano", "grand piano", "keyboard piano"], "harpsichord": ["harpsichord"],
    "glockenspiel": ["glockenspiel", "bell chimes"], "vibraphone": ["vibraphone", "vibes"],
    "marimba": ["marimba"], "xylophone": ["xylophone"], "tubular bells": ["tubular bells", "church bells"],
    "church organ": ["church organ", "pipe organ", "organ"], "accordion": ["accordion"],
    "harmonica": ["harmonica", "mouth organ"], "acoustic guitar": ["acoustic guitar", "nylon guitar"],
    "electric guitar": ["electric guitar", "clean electric guitar"], "distorted guitar": ["distorted guitar", "overdriven rock guitar"],
    "bass guitar": ["bass guitar", "bass"], "violin": ["violin", "fiddle"], "cello": ["cello"], "harp": ["harp"],
    "trumpet": ["trumpet"], "trombone": ["trombone"], "tuba": ["tuba"], "french horn": ["french horn", "horn"],
    "saxophone": ["saxophone", "sax"], "clarinet": ["clarinet"], "flute": ["flute"], "banjo": ["banjo"],
    "steel drums": ["steel drums", "steelpan"], "drum kit": ["drum kit", "drums", "drum beat"],
    "speech": ["speech", "a person speaking", "a voice talking", "spoken words"],
    "white noise": ["white noise", "static hiss", "noise"], "rumble": ["rumble", "low rumbling noise", "brown noise"],
    "sine tone": ["sine tone", "pure tone", "test tone"], "siren": ["siren", "emergency siren", "wailing siren"],
    "beeping alarm": ["beeping alarm", "alarm beeps", "beeping"], "ticking clock": ["ticking clock", "clock ticking", "ticking"],
}
CAPTION_TEMPLATES = [
    "This is a sound of {}.", "the sound of {}", "{}", "a recording of {}", "{} playing",
    "solo {}", "a short clip of {}", "{} sound", "someone playing {}", "{} in a room",
]
SPEECH_TEXTS = [
    "hello and welcome to the show", "the quick brown fox jumps over the lazy dog", "please leave a message after the tone",
    "the next train departs from platform two", "your call is important to us", "turn left at the next junction",
    "the weather today will be cloudy with rain", "thank you for waiting", "press one for more options",
    "we are now boarding all passengers", "the meeting will start in five minutes", "this recording may be monitored",
    "one two three four five", "good morning everyone", "the package has been delivered", "warning the door is opening",
]
VOICES = ["en", "en-us", "en-gb-scotland", "en-029", "en-gb-x-rp", "en-us+f3", "en+m3", "en+f2", "en+f4", "en-gb+m5"]


def caption(label, rng):
    return rng.choice(CAPTION_TEMPLATES).format(rng.choice(SYNONYMS[label]))


def midi_file(program, notes, tempo_us, channel):
    """A format-0 MIDI file: notes = [(start_ticks, dur_ticks, pitch, velocity)], 480 ticks per beat."""
    events = []
    for s, d, p, v in notes:
        events.append((s, 0x90 | channel, p, v))
        events.append((s + d, 0x80 | channel, p, 0))
    events.sort(key=lambda e: (e[0], e[1] & 0xF0 == 0x90))
    def vlq(n):
        out = [n & 0x7F]
        n >>= 7
        while n:
            out.insert(0, (n & 0x7F) | 0x80)
            n >>= 7
        return bytes(out)
    body = b"\x00\xff\x51\x03" + tempo_us.to_bytes(3, "big")
    if program >= 0:
        body += b"\x00" + bytes([0xC0 | channel, program])
    last = 0
    for t, st, p, v in events:
        body += vlq(t - last) + bytes([st, p, v])
        last = t
    body += b"\x00\xff\x2f\x00"
    return b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480) + b"MTrk" + struct.pack(">I", len(body)) + body


def read_wav(path):
    with wave.open(path, "rb") as w:
        ch, sw, sr, n = w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
        raw = w.readframes(n)
    assert sw == 2, sw
    x = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    x = x.reshape(-1, ch).mean(axis=1)
    if sr != SR:
        # Only espeak (22.05 kHz) lands here; resample with sox for quality.
        raise ValueError(f"unexpected rate {sr}")
    return x


def run(cmd, **kw):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)


def instrument_notes(label, rng):
    """Notes of one clip in seconds: [(start_s, dur_s, pitch, velocity)], and the clip duration."""
    program, lo, hi = INSTRUMENTS[label]
    dur_s = rng.uniform(1.5, 4.5)
    beat_s = 60.0 / rng.uniform(60, 180)
    notes, t = [], 0.0
    style = rng.choice(["melody", "chords", "arpeggio", "single"])
    base = rng.randint(lo, hi)
    while t < dur_s - 0.3:
        length = beat_s * rng.choice([0.5, 1, 2]) if style != "single" else dur_s
        vel = rng.randint(50, 120)
        if program < 0:
            for p in rng.sample([35, 36, 38, 40, 42, 44, 46, 49, 51], rng.randint(1, 3)):
                notes.append((t, 0.2, p, vel))
            length = beat_s * rng.choice([0.5, 1])
        elif style == "chords":
            for iv in (0, 4, 7) if rng.random() < 0.5 else (0, 3, 7):
                notes.append((t, length, min(hi, base + iv), vel))
            base = max(lo, min(hi, base + rng.choice([-5, -2, 0, 2, 5])))
        elif style == "arpeggio":
            notes.append((t, length, max(lo, min(hi, base + rng.choice([0, 4, 7, 12]))), vel))
        else:
            notes.append((t, length, base, vel))
            base = max(lo, min(hi, base + rng.choice([-3, -2, -1, 1, 2, 3])))
        t += length
    return notes, dur_s


GAP_S = 2.0  # silence between clips of one render, longer than the reverb tail


def render_instruments(label, rngs, tmp):
    """Render many clips of one instrument in one fluidsynth call per reverb setting, then cut them apart.

    Loading FluidR3_GM takes most of a fluidsynth run, so one call per clip would dominate the time."""
    program = INSTRUMENTS[label][0]
    channel = 9 if program < 0 else 0
    plans = [(instrument_notes(label, r), r.random() < 0.5, r.uniform(0.4, 1.0)) for r in rngs]
    out = [None] * len(rngs)
    for reverb in (False, True):
        idx = [i for i, p in enumerate(plans) if p[1] == reverb]
        if not idx:
            continue
        ticks = lambda s: int(round(s * 960))  # tempo 500000 us/beat, 480 tpq -> 960 ticks per second
        notes, offsets, t0 = [], [], 0.0
        for i in idx:
            (ns, dur), _, gain = plans[i]
            offsets.append((i, t0, dur))
            for s, d, p, v in ns:
                notes.append((ticks(t0 + s), max(1, ticks(min(d, dur - s))), p, max(1, min(127, int(v * gain)))))
            t0 += dur + GAP_S
        mid, wav = os.path.join(tmp, f"i{int(reverb)}.mid"), os.path.join(tmp, f"i{int(reverb)}.wav")
        with open(mid, "wb") as f:
            f.write(midi_file(program, notes, 500000, channel))
        run(["fluidsynth", "-ni", "-q", "-R", "1" if reverb else "0", "-C", "0", "-g", "0.8", "-r", str(SR), "-F", wav, SF2, mid])
        x = read_wav(wav)
        for i, start, dur in offsets:
            a = int(start * SR)
            out[i] = x[a : a + int(dur * SR)]
    return out


def render_speech(rng, tmp):
    out = os.path.join(tmp, "s.wav")
    res = os.path.join(tmp, "s48.wav")
    text = " ".join(rng.sample(SPEECH_TEXTS, 2))
    run(["espeak-ng", "-v", rng.choice(VOICES), "-s", str(rng.randint(120, 200)), "-p", str(rng.randint(20, 80)), "-w", out, text])
    run(["sox", out, "-r", str(SR), "-b", "16", res])
    x = read_wav(res)
    start = rng.randint(0, max(0, len(x) - 4 * SR))
    return x[start : start + int(SR * rng.uniform(2.0, 4.5))]


def render_other(label, rng, tmp):
    d = rng.uniform(1.5, 4.5)
    out = os.path.join(tmp, "o.wav")
    base = ["sox", "-n", "-r", str(SR), "-c", "1", "-b", "16", out, "synth", f"{d:.2f}"]
    if label == "white noise":
        cmd = base + [rng.choice(["whitenoise", "pinknoise"])]
    elif label == "rumble":
        cmd = base + ["brownnoise", "lowpass", str(rng.randint(150, 400))]
    elif label == "sine tone":
        cmd = base + ["sine", str(rng.randint(200, 3000))]
    elif label == "siren":
        lo, hi = rng.randint(500, 800), rng.randint(1000, 1600)
        cmd = base + ["sine", f"{lo}-{hi}"] + ["tremolo", str(rng.choice([1, 2, 4])), "40"]
    elif label == "beeping alarm":
        f = rng.randint(1500, 3500)
        rate = rng.choice([2, 3, 4, 6])
        cmd = base + ["square", str(f), "tremolo", str(rate), "100"]
    elif label == "ticking clock":
        # 1 ms clicks every ~0.5 s: a pulse train built with synth square at a low rate, band-limited.
        cmd = base + ["square", str(rng.choice([1, 2])), "highpass", str(rng.randint(2000, 5000))]
    else:
        raise ValueError(label)
    run(cmd + ["vol", f"{rng.uniform(0.3, 0.9):.2f}"])
    return read_wav(out)


def finish(label, x, rng):
    """Normalise level, sometimes add background noise (the label stays), clip to [-1, 1]."""
    x = np.asarray(x, dtype=np.float32)
    if len(x) < SR // 2:
        x = np.concatenate([x, np.zeros(SR // 2 - len(x), dtype=np.float32)])
    peak = np.abs(x).max()
    if peak > 0:
        x = x / peak * rng.uniform(0.3, 0.95)
    if label not in ("white noise", "rumble") and rng.random() < 0.25:
        noise = np.random.default_rng(rng.randint(0, 2**31)).standard_normal(len(x)).astype(np.float32)
        x = x + noise * (np.abs(x).max() * 10 ** (-rng.uniform(15, 30) / 20))
    return np.clip(x, -1, 1).astype(np.float32)


def make_group(args):
    """All clips of one (label, split): [(label, samples, caption)], a pure function of the arguments."""
    label, split, count, seed = args
    rngs = [random.Random(f"{seed}/{split}/{label}/{i}") for i in range(count)]
    with tempfile.TemporaryDirectory() as tmp:
        if label in INSTRUMENTS:
            xs = render_instruments(label, rngs, tmp)
        elif label == "speech":
            xs = [render_speech(r, tmp) for r in rngs]
        else:
            xs = [render_other(label, r, tmp) for r in rngs]
    return [(label, finish(label, x, r), caption(label, r)) for x, r in zip(xs, rngs)]
