"""Write models/clap-mini/README.md from metrics.json (run by train.py after export)."""
import json, os, sys

def write_card(out):
    m = json.load(open(os.path.join(out, "metrics.json")))
    man = json.load(open(os.path.join(out, "manifest.json")))
    size = sum(os.path.getsize(os.path.join(out, f)) for f in ("audio_model.onnx", "text_model.onnx", "tokenizer.json"))
    worst = sorted(m["per_class_zero_shot"].items(), key=lambda kv: kv[1])[:5]
    lines = [
        "# clap-mini: Earshot's demo model",
        "",
        "**A demo model, not for real sound libraries.** It lets Earshot install, run, test and demo offline with the exact",
        "input/output contract of LAION's fused CLAP (`laion/clap-htsat-fused`), but it only knows the "
        f"{len(m['classes'])} synthetic classes below. For real libraries use a real CLAP model (`npm run model:fetch`, docs/models.md).",
        "",
        "## Contract (same as the real bundles)",
        "- `audio_model.onnx`: `input_features` float32 `[B,4,1001,64]` (CLAP fusion log-mel) + `is_longer` bool `[B,1]` → `audio_embeds` `[B,512]`",
        "- `text_model.onnx`: `input_ids`, `attention_mask` int64 `[B,S]` → `text_embeds` `[B,512]`",
        f"- `tokenizer.json`: a word-level tokenizer (lowercase, `<s> … </s>`, `<pad>` = 1) loaded by transformers.js; vocabulary of {len(json.load(open(os.path.join(out, 'tokenizer.json')))['model']['vocab'])} words",
        f"- `manifest.json`: featureMode `fusion`, logit scale exp({man['logitScaleA']:.3f}) = {2.718281828 ** man['logitScaleA']:.1f}, prompt `{man['promptTemplate']}`",
        f"- size of the three files: {size / 1e6:.1f} MB",
        "",
        "## How it was made",
        "`scripts/train-mini-clap` (seeded; rerun it to reproduce): synthesizes labelled audio with Debian tools — fluidsynth +",
        "FluidR3_GM for 27 General MIDI instruments (random pitch ranges, velocities, tempi, melodies/chords/arpeggios, with and",
        "without reverb), espeak-ng speech (10 voices, varied speed and pitch), sox noises, tones, sirens, alarms and clicks;",
        "a quarter of the clips get background noise at 15–30 dB SNR — computes CLAP fusion features with a numpy",
        "implementation checked against the reference tensors (max 7.6e-6 dB), and trains a small CNN audio tower and a",
        "word-embedding text tower with a class-aware contrastive loss on templated captions. CPU only (Debian python3-torch).",
        f"Training set: {m['train_clips']} clips; held-out test set: {m['n_test']} clips synthesized with a different seed;",
        f"{m['epochs']} epochs; wall time of the run that produced these files: {m['train_seconds']} s on a shared 2-core machine",
        "(synthesis ≈ 3 min, training ≈ 35 s per epoch when the machine is otherwise idle).",
        "",
        "## Figures on the held-out synthetic test split",
        "| metric | value |",
        "|---|---|",
        f"| zero-shot accuracy, prompt `{m['prompt_template']}`, {len(m['classes'])} classes (chance {100 / len(m['classes']):.1f} %) | **{100 * m['zero_shot_accuracy']:.1f} %** |",
        f"| text→audio, class-level R@1 (caption → a clip of its class ranked first) | {100 * m['t2a_class_R@1']:.1f} % |",
        f"| text→audio, class-level R@10 | {100 * m['t2a_class_R@10']:.1f} % |",
        f"| text→audio, instance R@1 / R@10 (caption → its own clip among {m['n_test']}) | {100 * m['t2a_instance_R@1']:.1f} % / {100 * m['t2a_instance_R@10']:.1f} % |",
        "",
        "Instance-level retrieval is low by design: captions are templates of the class name, so every clip of a class is",
        "an equally good answer. Weakest classes: " + ", ".join(f"{k} {100 * v:.0f} %" for k, v in worst) + ".",
        "",
        "Classes: " + ", ".join(m["classes"]) + ".",
        "",
        "On real recordings (../shared/audio-dev) it is only right where the sound resembles its synthetic classes",
        "(instruments, speech, alarms); it has never heard birds, dogs, fire or water.",
        "",
    ]
    open(os.path.join(out, "README.md"), "w").write("\n".join(lines))

if __name__ == "__main__":
    write_card(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../models/clap-mini"))
