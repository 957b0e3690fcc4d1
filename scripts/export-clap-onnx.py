#!/usr/bin/env python3
"""Export a LAION CLAP checkpoint (transformers) to an Earshot model bundle.

    pip install "transformers>=4.40" torch onnx onnxruntime   # onnxruntime: optional, for the parity check
    python3 scripts/export-clap-onnx.py laion/clap-htsat-fused   models/clap-htsat-fused
    python3 scripts/export-clap-onnx.py laion/clap-htsat-unfused models/clap-htsat-unfused

Writes into the output folder: audio_model.onnx, text_model.onnx, tokenizer.json (+ tokenizer_config.json,
vocab/merges, preprocessor_config.json) and manifest.json (docs/architecture.md "model/", docs/models.md).

Why a hand-written wrapper: optimum's CLAP ONNX config knows only the unfused audio input, so exporting
laion/clap-htsat-fused fails (no `is_longer`, wrong channel count). Here each tower is a small nn.Module
around ClapModel's own sub-modules, traced with torch.onnx.export:

* audio (fusion checkpoints): inputs `input_features` float32 [B,4,1001,64] and `is_longer` bool [B,1].
  The fused forward selects the "longer" rows with data-dependent indexing (torch.where on is_longer).
  SPEC §3.2: the simplest faithful graph is a FIXED BATCH OF 1 traced with is_longer = true, which is
  HF's batch-of-1 behaviour (the feature extractor sets is_longer for a lone short clip too). That is the
  default (`--audio-batch 1`); the manifest then says `maxAudioBatch: 1` and Earshot's runtime feeds one
  clip per run. `--audio-batch 0` tries a dynamic batch axis instead; the parity check below tells you
  whether that graph is faithful for mixed is_longer batches with your torch/transformers versions.
* audio (unfused checkpoints): `input_features` [B,1,1001,64], dynamic batch (is_longer is ignored by
  the unfused model, so it is not a graph input) — the same contract as Xenova's exports.
* text: `input_ids`, `attention_mask` int64 [B,S] -> `text_embeds` [B,512], dynamic batch and length.

Outputs are the projection outputs, NOT normalised (Earshot normalises). logit_scale_a / logit_scale_t
are read from the checkpoint (they are not part of either tower) and stored in the manifest.
"""
import argparse
import hashlib
import inspect
import json
import os
import sys

FRAMES, MELS = 1001, 64
MAX_TEXT = 77  # LAION trained with padding="max_length", truncation=True, max_length=77 (SPEC §3.3)


def log(*a):
    print("[export]", *a, flush=True)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def onnx_export(torch, module, args, path, **kw):
    # torch >= 2.5 may default to the dynamo exporter; the TorchScript tracer is the one this was written for.
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kw["dynamo"] = False
    torch.onnx.export(module, args, path, opset_version=17, do_constant_folding=True, **kw)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", help="hub id or local folder, e.g. laion/clap-htsat-fused")
    ap.add_argument("out", help="bundle folder to write, e.g. models/clap-htsat-fused")
    ap.add_argument("--name", help="bundle name (default: the output folder's name)")
    ap.add_argument("--audio-batch", type=int, default=None,
                    help="fixed audio batch size; 0 = dynamic. Default: 1 for fusion checkpoints, dynamic for unfused")
    ap.add_argument("--max-text-length", type=int, default=MAX_TEXT)
    ap.add_argument("--prompt-template", default="This is a sound of {}.")
    ap.add_argument("--no-check", action="store_true", help="skip the onnxruntime parity check")
    args = ap.parse_args()

    import torch
    from torch import nn
    from transformers import AutoTokenizer, ClapFeatureExtractor, ClapModel

    torch.manual_seed(0)
    os.makedirs(args.out, exist_ok=True)
    name = args.name or os.path.basename(os.path.normpath(args.out))
    log(f"loading {args.checkpoint}")
    try:  # eager attention traces to plain ops; SDPA kernels are not always exportable
        model = ClapModel.from_pretrained(args.checkpoint, attn_implementation="eager")
    except (TypeError, ValueError):
        model = ClapModel.from_pretrained(args.checkpoint)
    model.eval()
    fusion = bool(getattr(model.config.audio_config, "enable_fusion", False))
    batch = args.audio_batch if args.audio_batch is not None else (1 if fusion else 0)
    log(f"enable_fusion={fusion}; audio batch {'dynamic' if batch == 0 else batch}")

    class AudioTower(nn.Module):
        """ClapModel.get_audio_features without the final normalisation."""

        def __init__(self, m):
            super().__init__()
            self.audio_model, self.audio_projection = m.audio_model, m.audio_projection

        def forward(self, input_features, is_longer=None):
            out = self.audio_model(input_features=input_features, is_longer=is_longer, return_dict=True)
            return self.audio_projection(out.pooler_output)

    class TextTower(nn.Module):
        """ClapModel.get_text_features without the final normalisation (RoBERTa pooler on <s>)."""

        def __init__(self, m):
            super().__init__()
            self.text_model, self.text_projection = m.text_model, m.text_projection

        def forward(self, input_ids, attention_mask):
            out = self.text_model(input_ids=input_ids, attention_mask=attention_mask, return_dict=True)
            return self.text_projection(out.pooler_output)

    audio, text = AudioTower(model).eval(), TextTower(model).eval()
    ch = 4 if fusion else 1
    b0 = batch if batch > 0 else 2
    feats = torch.randn(b0, ch, FRAMES, MELS) * 20 - 50  # log-mel dB range
    audio_path = os.path.join(args.out, "audio_model.onnx")
    dyn = {} if batch > 0 else {"input_features": {0: "batch"}, "audio_embeds": {0: "batch"}}
    with torch.no_grad():
        if fusion:
            longer = torch.ones(b0, 1, dtype=torch.bool)  # traced on the fusion path (HF batch-of-1 semantics)
            if batch == 0:
                dyn["is_longer"] = {0: "batch"}
            onnx_export(torch, audio, (feats, longer), audio_path, input_names=["input_features", "is_longer"],
                        output_names=["audio_embeds"], dynamic_axes=dyn)
        else:
            onnx_export(torch, audio, (feats,), audio_path, input_names=["input_features"],
                        output_names=["audio_embeds"], dynamic_axes=dyn)
    log(f"wrote {audio_path} ({os.path.getsize(audio_path) / 1e6:.1f} MB)")

    tok = AutoTokenizer.from_pretrained(args.checkpoint)
    if not getattr(tok, "is_fast", False):
        sys.exit("a fast tokenizer is needed to write tokenizer.json (install `tokenizers`)")
    tok.model_max_length = args.max_text_length
    tok.save_pretrained(args.out)  # tokenizer.json + tokenizer_config.json (+ vocab.json, merges.txt)
    try:
        ClapFeatureExtractor.from_pretrained(args.checkpoint).save_pretrained(args.out)
    except Exception as e:  # informational only; Earshot computes features itself (SPEC §2)
        log(f"no preprocessor_config.json: {e}")
    enc = tok(["This is a sound of dog barking.", "rain"], padding=True, truncation=True,
              max_length=args.max_text_length, return_tensors="pt")
    text_path = os.path.join(args.out, "text_model.onnx")
    with torch.no_grad():
        onnx_export(torch, text, (enc["input_ids"], enc["attention_mask"]), text_path,
                    input_names=["input_ids", "attention_mask"], output_names=["text_embeds"],
                    dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                                  "text_embeds": {0: "batch"}})
    log(f"wrote {text_path} ({os.path.getsize(text_path) / 1e6:.1f} MB)")

    if not args.no_check:
        check(torch, audio, text, tok, args, fusion, batch, audio_path, text_path)

    files = {"audio": "audio_model.onnx", "text": "text_model.onnx", "tokenizer": "tokenizer.json"}
    manifest = {
        "name": name,
        "source": f"https://huggingface.co/{args.checkpoint}" if not os.path.isdir(args.checkpoint) else args.checkpoint,
        "description": f"{args.checkpoint} exported by scripts/export-clap-onnx.py "
                       f"({'fusion, is_longer input' if fusion else 'unfused'}; audio batch {'dynamic' if batch == 0 else batch})",
        "embeddingDim": int(model.config.projection_dim),
        "featureMode": "fusion" if fusion else "rand_trunc",
        "sampleRate": 48000,
        "logitScaleA": float(model.logit_scale_a.item()),
        "logitScaleT": float(model.logit_scale_t.item()),
        "promptTemplate": args.prompt_template,
        "maxTextLength": args.max_text_length,
        "isDemo": False,
        "files": files,
        "sha256": {f: sha256(os.path.join(args.out, f)) for f in files.values()},
    }
    if batch > 0:
        manifest["maxAudioBatch"] = batch
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    log(f"manifest: logitScaleA={manifest['logitScaleA']:.4f} (exp {float(model.logit_scale_a.exp()):.2f}), "
        f"logitScaleT={manifest['logitScaleT']:.4f}, featureMode={manifest['featureMode']}")
    log(f"done: EARSHOT_MODEL_DIR={os.path.dirname(os.path.abspath(args.out))} EARSHOT_MODEL={name}")


def check(torch, audio, text, tok, args, fusion, batch, audio_path, text_path):
    """onnxruntime vs torch on fresh inputs (and both is_longer values for fusion); fails loudly on a mismatch."""
    try:
        import numpy as np
        import onnxruntime as ort
    except ImportError:
        log("onnxruntime not installed: parity check skipped (pip install onnxruntime)")
        return
    sa = ort.InferenceSession(audio_path, providers=["CPUExecutionProvider"])
    st = ort.InferenceSession(text_path, providers=["CPUExecutionProvider"])
    worst = 0.0
    n = batch if batch > 0 else 3
    cases = [True, False] if fusion else [None]
    for longer in cases:
        x = torch.randn(n, 4 if fusion else 1, FRAMES, MELS) * 20 - 50
        with torch.no_grad():
            if fusion:
                flags = torch.full((n, 1), longer, dtype=torch.bool)
                if batch == 0 and n > 1:
                    flags[0, 0] = not longer  # a mixed batch: the data-dependent indexing must survive export
                ref = audio(x, flags).numpy()
                try:
                    got = sa.run(None, {"input_features": x.numpy(), "is_longer": flags.numpy()})[0]
                except Exception as e:  # noqa: BLE001 - report, do not hide
                    if longer or batch == 0:
                        raise
                    # The fused patch embedding branches in Python on `len(is_longer_idx) > 0`; the trace keeps
                    # the taken (fusion) branch. Earshot always sends is_longer = true for a lone clip (HF's
                    # batch-of-1 rule), so a graph that only runs with true is still faithful for Earshot.
                    log(f"audio graph rejects is_longer=false ({type(e).__name__}); feed is_longer=true (Earshot does)")
                    continue
            else:
                ref = audio(x).numpy()
                got = sa.run(None, {"input_features": x.numpy()})[0]
        d = float(np.abs(ref - got).max())
        log(f"audio parity{'' if longer is None else f' (is_longer={longer})'}: max |torch - onnx| = {d:.2e}")
        worst = max(worst, d / max(1e-6, float(np.abs(ref).max())))
    texts = ["This is a sound of a dog barking.", "rain", "a very long caption " * 30]
    enc = tok(texts, padding=True, truncation=True, max_length=args.max_text_length, return_tensors="pt")
    with torch.no_grad():
        ref = text(enc["input_ids"], enc["attention_mask"]).numpy()
    got = st.run(None, {"input_ids": enc["input_ids"].numpy(), "attention_mask": enc["attention_mask"].numpy()})[0]
    d = float(np.abs(ref - got).max())
    log(f"text parity: max |torch - onnx| = {d:.2e}")
    worst = max(worst, d / max(1e-6, float(np.abs(ref).max())))
    if worst > 1e-3:
        sys.exit(f"ONNX export does not match torch (relative error {worst:.2e}); try --audio-batch 1")


if __name__ == "__main__":
    main()
