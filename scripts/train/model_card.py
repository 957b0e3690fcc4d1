"""Write models/clap-mini/README.md from metrics.json (+ audio_dev.json / demo_library.json when present).

Run by train.py after export and again by scripts/train-mini-clap after the audio-dev evaluation.
"""
import json, os, sys

from sfx_mapping import CLASSES as REAL_CLASSES


def pct(x):
    return "—" if x is None else f"{100 * x:.1f} %"


def write_card(out):
    m = json.load(open(os.path.join(out, "metrics.json")))
    man = json.load(open(os.path.join(out, "manifest.json")))
    tok = json.load(open(os.path.join(out, "tokenizer.json")))
    sizes = {f: os.path.getsize(os.path.join(out, f)) for f in ("audio_model.onnx", "text_model.onnx", "tokenizer.json")}
    dev_path = os.path.join(out, "audio_dev.json")
    dev = json.load(open(dev_path)) if os.path.exists(dev_path) else None
    demo_path = os.path.join(out, "demo_library.json")
    demo = json.load(open(demo_path)) if os.path.exists(demo_path) else None
    h = m["heldout_packages"]
    ha = m["heldout_packages_augmented"]
    st = m["synthetic_test"]
    L = []
    add = L.append
    add(f"# clap-mini {m.get('model_version', 'v2')}: Earshot's demo model")
    add("")
    add("**A small demo model, not a replacement for a real CLAP model.** It lets Earshot install, run, test and demo offline with the")
    add("exact input/output contract of LAION's fused CLAP (`laion/clap-htsat-fused`). Since v2 it has heard real recordings (sound effects and")
    add("speech from Debian packages) besides synthetic instruments, and its text tower starts from pretrained English word vectors,")
    add(f"so it accepts {len(tok['model']['vocab']) - 4} words instead of 94. It is still far weaker than LAION CLAP: read the figures and the failure modes")
    add("below before trusting it with a real library (`npm run model:fetch`, docs/models.md).")
    add("")
    add("## Contract (same as the real bundles)")
    add("- `audio_model.onnx`: `input_features` float32 `[B,4,1001,64]` (CLAP fusion log-mel) + `is_longer` bool `[B,1]` → `audio_embeds` `[B,512]`")
    add("- `text_model.onnx`: `input_ids`, `attention_mask` int64 `[B,S]` → `text_embeds` `[B,512]`")
    add(f"- `tokenizer.json`: word-level (lowercase, `<s> … </s>`, `<pad>` = 1, unknown words → `<unk>`, ignored by the pooling), loaded by transformers.js; {len(tok['model']['vocab'])} entries")
    add(f"- `manifest.json`: featureMode `fusion`, logit scale exp({man['logitScaleA']:.3f}) = {2.718281828 ** man['logitScaleA']:.1f}, prompt `{man['promptTemplate']}`")
    add(f"- sizes: audio tower {sizes['audio_model.onnx'] / 1e6:.1f} MB, text tower {sizes['text_model.onnx'] / 1e6:.1f} MB (word vectors stored as float16), "
        f"tokenizer {sizes['tokenizer.json'] / 1e6:.1f} MB; {sum(sizes.values()) / 1e6:.1f} MB in all")
    add("")
    add("## How it was made")
    add("`npm run model:train` (= `scripts/train-mini-clap`, seeded; rerun it to reproduce) does everything:")
    add("1. `scripts/train/gather-sfx`: `apt-get download` + `dpkg -x` of the Debian packages below into a cache outside the repository")
    add("   (audio files, the package's copyright file and version are kept), `npm pack` of the word vectors into the same cache.")
    add("2. `scripts/train/sfx_mapping.py`: a reviewed mapping from file and folder names to a class and a caption phrase "
        "(`python3 scripts/train/sfx_mapping.py --review` prints every decision); unmatched names are not used.")
    add("3. `scripts/train/realdata.py`: decode (ffmpeg), 48 kHz mono; per clip one clean copy and "
        f"{m.get('real_variants', 3)} degraded cop{'y' if m.get('real_variants', 3) == 1 else 'ies'}: level −45 dBFS up to +12 dB into hard clipping, band limits 4–16 kHz and a "
        "telephone band, white/pink/brown noise at 5–30 dB SNR, short crops (0.15–1.5 s) and long clips (> 10 s, through CLAP's fusion path). "
        "Real speech: 1–4 recorded words of one speaker joined into an utterance (tuxpaint-stamps, ktuberling, game voices, many languages).")
    add("4. Synthetic audio as in v1 (`synth.py`: fluidsynth + FluidR3_GM instruments, espeak-ng speech, sox noises, tones, sirens), plus")
    add("   `extra_synth.py`: keyboard typing (resonant key clicks at typing rhythm) and silence / noise floors.")
    bands, widths = m.get("bands", 32), m.get("widths", "128,192,256,256")
    add(f"5. `train.py`: CLAP fusion features (numpy, checked against the reference tensors), a small 1-D CNN audio tower (over time, the {bands} mel bands "
        f"as channels, four blocks of {widths.replace(',', ' / ')} channels) on a level-normalised")
    add("   log-mel (the loudness is a separate input), a text tower of frozen GloVe vectors with attention + mean pooling and an MLP,")
    add("   class-aware contrastive loss on captions (the file's phrase or a class synonym in a template); augmentation in the feature domain")
    add("   too (gain, band limit, time/frequency masks). Exported to ONNX, then evaluated through Earshot's TypeScript runtime.")
    add("   Matrix products run on OpenBLAS, fetched into the cache like the sound packages (Debian's python3-torch otherwise uses the")
    add("   reference BLAS, about 10× slower for the text tower's layers).")
    add(f"Training samples: {m['train_samples']} ({m['synthetic_train_clips']} synthetic clips, {m['real_train_samples']} real samples); "
        f"{m['epochs']} + {m.get('polish_epochs', 0)} epochs (two learning-rate cycles) of {m['epoch_size']} class-balanced draws; seed {m['seed']}; "
        f"wall time of the training process {m['train_seconds'] / 60:.0f} min on the shared 2-core machine"
        + (f", {m['model_train_total_seconds'] / 60:.0f} min for the whole `npm run model:train` (gathering, synthesis, features, training, calibration, evaluation)"
           if m.get("model_train_total_seconds") else "")
        + (f" (phase 1 ran in an earlier process: {m['resumed_note']})" if m.get('resumed_note') else "") + ".")
    hs = m.get("head_stage") or ({"epochs": m["head_epochs"], "views": m.get("head_views"), "lr": m.get("head_lr")} if m.get("head_epochs") else None)
    if hs:
        add(f"Last stage (`finetune_head.py`): {hs['epochs']} epochs of the projection heads (audio MLP, text attention and MLP) on a frozen "
            f"convolutional trunk, {hs['views']} augmented views per clip, peak learning rate {hs['lr']}"
            + (f"; continued from the exported bundle {hs['from_bundle']} (`finetune_head.py --from-bundle`)" if hs.get("from_bundle") else "") + ".")
    add("")
    add("## Figures")
    add("")
    add(f"### Held-out packages (never trained on: {', '.join(m['val_packages'])})")
    add("Recordings from other games than the training ones: the honest estimate of how it does on sounds it has not heard.")
    add("Zero-shot: prompt over the classes present in the held-out set; text→audio: the class name as the query, vector only; audio→audio: same-class P@5 over clips with a partner.")
    add("")
    add("| set | clips | classes | zero-shot top-1 (chance) | text→audio mAP (chance) | audio→audio P@5 (chance) |")
    add("|---|---|---|---|---|---|")
    add(f"| held-out packages, clean | {h['n']} | {h['labels']} | **{pct(h['zero_shot_top1'])}** ({pct(h['zero_shot_chance'])}) | {pct(h['t2a_map'])} ({pct(h['t2a_map_chance'])}) | {pct(h['a2a_p5'])} ({pct(h['a2a_p5_chance'])}) |")
    add(f"| held-out packages, clean + degraded copies | {ha['n']} | {ha['labels']} | {pct(ha['zero_shot_top1'])} ({pct(ha['zero_shot_chance'])}) | {pct(ha['t2a_map'])} ({pct(ha['t2a_map_chance'])}) | {pct(ha['a2a_p5'])} ({pct(ha['a2a_p5_chance'])}) |")
    add(f"| synthetic test split (v1's, other seed) | {st['n']} | {st['labels']} | {pct(st['zero_shot_top1'])} ({pct(st['zero_shot_chance'])}) | {pct(st['t2a_map'])} ({pct(st['t2a_map_chance'])}) | {pct(st['a2a_p5'])} ({pct(st['a2a_p5_chance'])}) |")
    add("")
    if dev:
        add(f"### ../shared/audio-dev ({dev['clips']} clips, {dev['labels']} labels; never trained on)")
        add(f"Measured with `{dev.get('command', 'npx tsx scripts/train/eval-bundle.ts ../shared/audio-dev')}` through Earshot's own decode → features → onnxruntime path.")
        add("")
        add("| figure | value | chance |")
        add("|---|---|---|")
        add(f"| zero-shot top-1 over all {dev['labels']} labels | **{pct(dev['zeroShotTop1']['value'])}** | {pct(dev['zeroShotTop1']['chance'])} |")
        add(f"| text→audio mAP, vector only (query = the label) | **{pct(dev['t2aMapVector']['value'])}** | {pct(dev['t2aMapVector']['chance'])} |")
        add(f"| audio→audio same-label P@5, all clips (single-clip labels count 0; ceiling {pct(dev.get('a2aP5Ceiling'))}) | **{pct(dev['a2aP5AllClips']['value'])}** | {pct(dev['a2aP5AllClips']['chance'])} |")
        add(f"| audio→audio same-label P@5, the {dev['a2aP5']['queries']} clips with a partner | {pct(dev['a2aP5']['value'])} | {pct(dev['a2aP5']['chance'])} |")
        add("")
        add("Per label (zero-shot top-1, AP of the label as a text query, what it was taken for):")
        add("")
        add("| label | clips | zero-shot | AP | confused with |")
        add("|---|---|---|---|---|")
        for p in dev["perLabel"]:
            conf = ", ".join(f"{k} ×{v}" if v > 1 else k for k, v in _count(p["confusions"]))
            add(f"| {p['label']} | {p['clips']} | {pct(p['zeroShotTop1'])} | {pct(p['ap'])} | {conf} |")
        add("")
    if demo:
        add(f"### demo/library: zero-shot {pct(demo['value'])} ({demo['right']}/{demo['n']}, {demo['labels']} labels, chance {pct(1 / demo['labels'])}), "
            "3 clips per label as `test/model/demo-zeroshot.test.ts` measures it.")
        add("")
    add("### Per class, held-out packages (clean)")
    add("")
    add("| class | clips | zero-shot | AP |")
    add("|---|---|---|---|")
    for c, v in sorted(h["per_class"].items(), key=lambda kv: -kv[1]["clips"]):
        add(f"| {c} | {v['clips']} | {pct(v['zero_shot'])} | {pct(v['ap'])} |")
    add("")
    add("### Open vocabulary")
    add("Words the training captions never or rarely used, against 20 class prompts (rank 1 = nearest):")
    add("")
    add("| word | in vocabulary | meant | cosine | rank of the meant class | nearest |")
    add("|---|---|---|---|---|---|")
    for s in m["synonyms"]:
        add(f"| {s['word']} | {'yes' if s['in_vocab'] else 'no'} | {s['target']} | {s['cosine']:.2f} | {s['rank_among_20']} | {s['nearest']} |")
    add("")
    add("## Known failure modes")
    add("- It knows roughly the classes in the table below; a sound outside them gets the nearest known class with confidence.")
    add("  Word vectors make the *text* side open (synonyms land near their meaning), the *audio* side is not: a word it has")
    add("  never heard a sound for (\"whip\", \"typewriter\", \"bagpipes\") finds whatever its word vector is near.")
    add("- The real sounds are game sound effects: short, loud, often stylised (cartoon explosions, sci-fi lasers). Field recordings,")
    add("  music mixes and long ambiences are far from them.")
    add("- Instruments are General MIDI renderings (FluidR3_GM); real instrument recordings are much harder for it.")
    add("- Keyboard typing is synthetic (no real typing recording in the sources that may be used): real keyboards are still often")
    add("  heard as footsteps or other impacts.")
    add("- Speech is recognised as speech; the model does not understand words in it.")
    add("- Classes with few real clips (one to five files: siren, whale, kettle, toilet, …) are hardly learnt.")
    add("")
    add("## Training data: sources and licences")
    add("Only Debian main packages. The bundle contains weights, no audio. Per-file licences differ inside some packages; each")
    add("package's copyright file is kept next to its audio in the cache. Packages reserved for independent evaluation")
    add("(0ad, 0ad-data and the 0ad folder inside cube2-data, freepats, avldrums.lv2-soundfont, asterisk-core-sounds-*, hedgewars-data,")
    add("wesnoth-*-data, sound-theme-freedesktop, bucklespring-data, the Free Spoken Digit Dataset) and ../shared/audio-dev are never used.")
    add("")
    add("| package | version | split | licence (main lines of debian/copyright) | clips used |")
    add("|---|---|---|---|---|")
    for p, s in m["sources"].items():
        add(f"| {p} | {s['version']} | {s['split']} | {s['license']} | {m['real_clips_per_package'].get(p, 0)} |")
    add(f"| fluid-soundfont-gm (FluidR3_GM) via fluidsynth | Debian | train (synthetic) | MIT | {m['synthetic_train_clips']} synthetic clips in all |")
    add(f"| espeak-ng, sox | Debian | train (synthetic) | GPL-3+ / GPL-2+ (tools; output not covered) | |")
    add(f"| word vectors | {m['word_vectors']} | text tower | MIT / PDDL | |")
    add("")
    add("Real clips per class (files, before augmentation; train / held-out):")
    add("")
    rc = m["real_clip_counts"]
    add(" · ".join(f"{c} {v['train']}/{v['val']}" for c, v in sorted(rc.items(), key=lambda kv: -(kv[1]['train'] + kv[1]['val']))))
    add("")
    add("Classes (synthetic and real): " + ", ".join(m["classes"]) + ".")
    add("")
    open(os.path.join(out, "README.md"), "w").write("\n".join(L))


def _count(xs):
    from collections import Counter
    return Counter(xs).most_common()


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(__file__))
    write_card(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../models/clap-mini"))
