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
  HF's fused patch embedding (ClapAudioPatchEmbed) gathers the "longer" rows with a data-dependent index
  (torch.where(is_longer)) behind a Python `len(idx) > 0` branch and writes the fused rows back in place.
  Traced, that graph keeps whichever branch the trace took and breaks on a batch whose is_longer rows are
  all false (an empty index reaches the convolutions). Before tracing, `batch_safe_fusion` replaces that
  forward by one that fuses EVERY row and picks fused or plain patches per row with a mask (torch.where),
  so no data-dependent index reaches the graph; per row the arithmetic is the same (the AFF block and the
  eval-mode batch norms work row by row), and the export checks it against HF's own forward in PyTorch on
  mixed and all-false batches before writing anything. The default is a dynamic batch (`--audio-batch 0`);
  `--audio-batch N` fixes the graph at N clips (the manifest's `maxAudioBatch`; the runtime pads the last
  chunk).
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
import types

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


PATCH_EMBED_PARTS = ("proj", "mel_conv2d", "fusion_model", "norm", "flatten")


def _fused_patch_embed_forward(self, hidden_states, is_longer_idx=None):
    """ClapAudioPatchEmbed.forward for fusion with every row fused and the result picked per row by
    `self.earshot_is_longer` (set by AudioTower): no gather/scatter on is_longer, so any mix of rows,
    including none longer, runs through one traced graph. `is_longer_idx` (HF's index) is not needed."""
    import torch
    glob = self.proj(hidden_states[:, 0:1, :, :])
    loc = hidden_states[:, 1:, :, :].contiguous()  # the three local crops, for every row
    b, c, h, w = loc.shape
    loc = self.mel_conv2d(loc.view(b * c, 1, h, w))
    _, f, h, w = loc.shape
    loc = loc.view(b, c, f, h, w).permute((0, 2, 3, 1, 4)).contiguous().flatten(3)
    loc = torch.nn.functional.pad(loc, (0, glob.size(-1) - loc.size(-1)), "constant", 0)
    longer = self.earshot_is_longer.reshape(-1, 1, 1, 1).to(torch.bool)
    out = torch.where(longer, self.fusion_model(glob, loc), glob)
    if self.flatten:
        out = out.flatten(2).transpose(1, 2)
    return self.norm(out)


def batch_safe_fusion(model):
    """Replace the forward of every fused ClapAudioPatchEmbed in `model` (see the module docstring); returns
    the patched modules. Exits when a fused model has none, or one without the parts this forward uses
    (a transformers version that reorganised HTSAT: exporting its indexing as-is would break on batches)."""
    found = [m for m in model.modules() if type(m).__name__ == "ClapAudioPatchEmbed" and getattr(m, "enable_fusion", False)]
    if not found:
        sys.exit("fused checkpoint without a fused ClapAudioPatchEmbed: this transformers version is not supported "
                 "by batch_safe_fusion (scripts/export-clap-onnx.py)")
    for m in found:
        missing = [a for a in PATCH_EMBED_PARTS if not hasattr(m, a)]
        if missing:
            sys.exit(f"ClapAudioPatchEmbed lacks {', '.join(missing)}: this transformers version is not supported "
                     "by batch_safe_fusion (scripts/export-clap-onnx.py)")
        m.forward = types.MethodType(_fused_patch_embed_forward, m)
    return found


def fusion_batches(torch, n):
    """is_longer cases a fused graph must get right: all true, mixed (when n > 1), all false."""
    cases = [torch.ones(n, 1, dtype=torch.bool)]
    if n > 1:
        mixed = torch.zeros(n, 1, dtype=torch.bool)
        mixed[::2] = True
        cases.append(mixed)
    cases.append(torch.zeros(n, 1, dtype=torch.bool))
    return cases


def check_patched_fusion(torch, audio, fusion_modules, n):
    """The patched forward against HF's own (eager PyTorch, which takes the Python branch per call) on the
    same rows: per-row equality is what lets a batch mix short and long clips."""
    worst = 0.0
    x = torch.randn(max(n, 3), 4, FRAMES, MELS) * 20 - 50
    with torch.no_grad():
        for flags in fusion_batches(torch, max(n, 3)):
            for m in fusion_modules:
                m.forward = types.MethodType(type(m).forward, m)  # HF's forward
            ref = audio(x, flags)
            for m in fusion_modules:
                m.forward = types.MethodType(_fused_patch_embed_forward, m)
            got = audio(x, flags)
            d = float((ref - got).abs().max()) / max(1e-6, float(ref.abs().max()))
            log(f"batch-safe fusion vs HF forward (is_longer={flags[:, 0].int().tolist()}): relative max diff {d:.2e}")
            worst = max(worst, d)
    if worst > 1e-5:
        sys.exit(f"batch_safe_fusion does not reproduce HF's fused forward (relative error {worst:.2e})")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", help="hub id or local folder, e.g. laion/clap-htsat-fused")
    ap.add_argument("out", help="bundle folder to write, e.g. models/clap-htsat-fused")
    ap.add_argument("--name", help="bundle name (default: the output folder's name)")
    ap.add_argument("--audio-batch", type=int, default=None,
                    help="fixed audio batch size N (the runtime pads a shorter chunk); 0 = dynamic (default)")
    ap.add_argument("--max-text-length", type=int, default=MAX_TEXT)
    ap.add_argument("--prompt-template", default="This is a sound of {}.")
    ap.add_argument("--no-check", action="store_true", help="skip the onnxruntime parity check")
    ap.add_argument("--quantize", choices=["int8"],
                    help="also write <out>-int8: both towers dynamically quantized (scripts/quantize-int8.py)")
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
    batch = args.audio_batch if args.audio_batch is not None else 0
    log(f"enable_fusion={fusion}; audio batch {'dynamic' if batch == 0 else batch}")

    class AudioTower(nn.Module):
        """ClapModel.get_audio_features without the final normalisation."""

        def __init__(self, m, fusion_modules):
            super().__init__()
            self.audio_model, self.audio_projection = m.audio_model, m.audio_projection
            self.fusion_modules = fusion_modules

        def forward(self, input_features, is_longer=None):
            for pe in self.fusion_modules:  # the per-row mask batch_safe_fusion's forward selects with
                pe.earshot_is_longer = is_longer
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

    fusion_modules = batch_safe_fusion(model) if fusion else []
    audio, text = AudioTower(model, fusion_modules).eval(), TextTower(model).eval()
    if fusion:
        check_patched_fusion(torch, audio, fusion_modules, batch)
    ch = 4 if fusion else 1
    b0 = batch if batch > 0 else 2
    feats = torch.randn(b0, ch, FRAMES, MELS) * 20 - 50  # log-mel dB range
    audio_path = os.path.join(args.out, "audio_model.onnx")
    dyn = {} if batch > 0 else {"input_features": {0: "batch"}, "audio_embeds": {0: "batch"}}
    with torch.no_grad():
        if fusion:
            longer = torch.ones(b0, 1, dtype=torch.bool)  # any values: the patched graph has no branch on them
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
    if args.quantize == "int8":
        import importlib.util
        spec = importlib.util.spec_from_file_location("quantize_int8", os.path.join(os.path.dirname(os.path.abspath(__file__)), "quantize-int8.py"))
        q = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(q)
        q.quantize_bundle(args.out, os.path.normpath(args.out) + "-int8", log=log)


def check(torch, audio, text, tok, args, fusion, batch, audio_path, text_path):
    """onnxruntime vs torch on fresh inputs (all-true, mixed and all-false is_longer for fusion); fails loudly on a mismatch."""
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
    cases = fusion_batches(torch, n) if fusion else [None]
    for flags in cases:
        x = torch.randn(n, 4 if fusion else 1, FRAMES, MELS) * 20 - 50
        with torch.no_grad():
            if fusion:
                ref = audio(x, flags).numpy()
                got = sa.run(None, {"input_features": x.numpy(), "is_longer": flags.numpy()})[0]
            else:
                ref = audio(x).numpy()
                got = sa.run(None, {"input_features": x.numpy()})[0]
        d = float(np.abs(ref - got).max())
        log(f"audio parity{'' if flags is None else f' (is_longer={flags[:, 0].int().tolist()})'}: max |torch - onnx| = {d:.2e}")
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
        sys.exit(f"ONNX export does not match torch (relative error {worst:.2e})")


if __name__ == "__main__":
    main()
