"""Last stage of clap-mini training: the projection heads fine-tuned on a frozen audio trunk.

Why: the second learning-rate cycle (train.py) keeps teaching instrument timbres when it is longer, but every epoch
runs the convolutions forward and backward (minutes per epoch on 2 shared cores). With the convolutions frozen, their
outputs for a few augmented views of every training clip are computed once, and the audio head (the MLP after the
time pooling) and the text tower's attention and MLP train in seconds per epoch on those vectors.

Used by train.py (--head-epochs, from the in-memory state of the cycles before) and on its own to continue an
exported bundle (the ONNX graph has BatchNorm folded into the convolutions, which is exact for a frozen trunk):
  python3 scripts/train/finetune_head.py --from-bundle DIR --out DIR [--epochs N] [--cache DIR]
"""
import argparse, json, os, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))


def trunk_features(audio, xb):
    """[B,1,126,bands] pooled dB front -> the [B,545] vector the audio head reads (AudioTower.body up to the dropout)."""
    level = xb.amax(dim=(2, 3), keepdim=True)
    rel = torch.clamp(xb - level, min=-80.0)
    h = audio.convs(((rel + 40.0) / 20.0).squeeze(1).transpose(1, 2))
    spec = rel.mean(dim=2).flatten(1) / 40.0 + 1.0
    return torch.cat([h.mean(dim=2), h.amax(dim=2), spec, (level.flatten(1) + 50.0) / 30.0], dim=1)


def precompute_views(audio, X, views, gen, augment, shift, shift_p, bs=256, log=print):
    """[views, N, 545] float32: view 0 clean, the others through the training augmentation (gain, noise, band limit,
    masks, optional pitch shift by mel bands), all drawn from `gen`."""
    audio.eval()
    out = torch.empty(views, len(X), audio.proj[0].in_features)
    t = time.time()
    with torch.no_grad():
        for v in range(views):
            for i in range(0, len(X), bs):
                xb = torch.from_numpy(X[i : i + bs].astype(np.float32)).unsqueeze(1)
                if v:
                    xb = augment(xb, gen)
                    if shift_p:
                        xb = shift(xb, gen, shift_p)
                out[v, i : i + bs] = trunk_features(audio, xb)
            log(f"head stage: view {v + 1}/{views} of {len(X)} clips ({time.time() - t:.0f} s)")
    return out


def finetune_heads(audio, text, logit_scale, feats, Y, caption, batch_encode, vocab, weights, epochs, epoch_size, lr, rng, evaluate, log=print):
    """Contrastive training (the loss of train.py) of audio.proj, text.att and text.proj on precomputed trunk vectors.
    Returns the history (evaluate() after each epoch)."""
    params = list(audio.proj.parameters()) + list(text.att.parameters()) + list(text.proj.parameters())
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=1e-4)
    bs = 128
    steps = epoch_size // bs
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=max(1, epochs * steps), pct_start=0.1)
    scale = float(logit_scale.detach().clamp(max=np.log(100)).exp())
    views = feats.shape[0]
    history = []
    for epoch in range(epochs):
        te = time.time()
        audio.train(); text.train()
        draw = rng.choice(len(Y), size=steps * bs, p=weights)
        view = rng.integers(0, views, size=steps * bs)
        total = 0.0
        for s in range(steps):
            idx = draw[s * bs : (s + 1) * bs]
            fb = feats[view[s * bs : (s + 1) * bs], idx]
            ids, mask = batch_encode([caption(j) for j in idx], vocab)
            ea = F.normalize(audio.proj(audio.drop(fb)), dim=-1)
            et = F.normalize(text(ids, mask), dim=-1)
            logits = scale * ea @ et.T
            same = torch.from_numpy((Y[idx][:, None] == Y[idx][None, :]).astype(np.float32))
            target = same / same.sum(1, keepdim=True)
            loss = 0.5 * (-(target * F.log_softmax(logits, 1)).sum(1).mean() - (target * F.log_softmax(logits.T, 1)).sum(1).mean())
            opt.zero_grad(); loss.backward(); opt.step(); sched.step()
            total += float(loss)
        h = {"phase": "head", "epoch": epoch + 1, "loss": total / steps, **evaluate()}
        history.append(h)
        log(f"head epoch {epoch + 1}/{epochs} loss {h['loss']:.3f} | held-out packages zero-shot {h['val_zero_shot']:.3f} mAP {h['val_map']:.3f} "
            f"| synthetic test zero-shot {h['synthetic_zero_shot']:.3f} | {time.time() - te:.1f} s")
    return history


def head_evaluator(audio, text, vocab, T, f_val, val_labels, f_te, te_labels):
    """evaluate() for finetune_heads on precomputed trunk vectors of the held-out packages and the synthetic test split:
    the same zero-shot and text->audio mAP as train.retrieval_eval, without running the frozen convolutions again."""
    def zs_map(f, labels):
        audio.eval()
        with torch.no_grad():
            a = F.normalize(audio.proj(f), dim=-1)
        names = sorted(set(labels))
        lab = np.array([names.index(l) for l in labels])
        t = T.embed_text(text, [T.PROMPT.format(c) for c in names], vocab)
        zs = float(np.mean((a @ t.T).argmax(1).numpy() == lab))
        sim = (T.embed_text(text, names, vocab) @ a.T).numpy()
        aps = [T.average_precision(lab[np.argsort(-sim[k], kind="stable")] == k) for k in range(len(names))]
        return zs, float(np.mean(aps))

    def evaluate():
        vz, vm = zs_map(f_val, val_labels)
        sz, _ = zs_map(f_te, te_labels)
        return {"val_zero_shot": vz, "val_map": vm, "synthetic_zero_shot": sz}
    return evaluate


def audio_digest(bundle):
    import hashlib
    return hashlib.sha256(open(os.path.join(bundle, "audio_model.onnx"), "rb").read()).hexdigest()[:12]


# ---------------------------------------------------------------- continuing an exported bundle
def load_bundle_towers(bundle, AudioTower, TextTower, n_specials):
    """Torch towers with the weights of an exported bundle. BatchNorm was folded into the convolutions at export, so the
    trunk becomes conv(+bias) -> identity -> ReLU -> pool: the same outputs in eval mode, which is all a frozen trunk needs."""
    import onnx
    from onnx import numpy_helper
    a = onnx.load(os.path.join(bundle, "audio_model.onnx"))
    init = {i.name: numpy_helper.to_array(i) for i in a.graph.initializer}
    convs = [n for n in a.graph.node if n.op_type == "Conv"]
    # the tower's shape from its weights: the first convolution's input channels are the bands
    audio = AudioTower(widths=tuple(int(init[n.input[1]].shape[0]) for n in convs), bands=int(init[convs[0].input[1]].shape[1]))
    for blk, node in zip(audio.convs, convs):
        w, b = init[node.input[1]], init[node.input[2]]
        conv = nn.Conv1d(w.shape[1], w.shape[0], 3, padding=1, bias=True)
        conv.weight.data = torch.from_numpy(w.copy()); conv.bias.data = torch.from_numpy(b.copy())
        blk[0] = conv
        blk[1] = nn.Identity()
    for k in ("proj.0.weight", "proj.0.bias", "proj.2.weight", "proj.2.bias"):
        dict(audio.named_parameters())[k].data = torch.from_numpy(init[k].copy())
    t = onnx.load(os.path.join(bundle, "text_model.onnx"))
    ti = {i.name: numpy_helper.to_array(i) for i in t.graph.initializer}
    emb = ti["emb16"].astype(np.float32)
    text = TextTower(emb[n_specials:])
    mm = [n for n in t.graph.node if n.op_type == "MatMul"]
    text.att[0].weight.data = torch.from_numpy(ti[mm[0].input[1]].T.copy())
    text.att[2].weight.data = torch.from_numpy(ti[mm[1].input[1]].T.copy())
    text.att[0].bias.data = torch.from_numpy(ti["t.att.0.bias"].copy())
    text.att[2].bias.data = torch.from_numpy(ti["t.att.2.bias"].copy())
    for k in ("proj.0.weight", "proj.0.bias", "proj.2.weight", "proj.2.bias"):
        dict(text.named_parameters())[k].data = torch.from_numpy(ti["t." + k].copy())
    manifest = json.load(open(os.path.join(bundle, "manifest.json")))
    vocab = json.load(open(os.path.join(bundle, "tokenizer.json")))["model"]["vocab"]
    return audio, text, float(manifest["logitScaleA"]), vocab


def main():
    import train as T
    import realdata
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--from-bundle", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--views", type=int, default=8)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--synth-weight", type=float, default=2.5)
    ap.add_argument("--pitch-shift", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--views-cache", help="folder to keep the trunk vectors in (they depend only on the bundle's audio tower)")
    ap.add_argument("--cache", default=os.environ.get("EARSHOT_TRAIN_CACHE", os.path.join(T.ROOT, "..", "cache-model")))
    args = ap.parse_args()
    torch.manual_seed(args.seed); torch.set_num_threads(args.threads)
    t0 = time.time()
    syn_cache = os.path.join(args.cache, "features")
    base = json.load(open(os.path.join(args.from_bundle, "metrics.json")))
    realdata.set_bands(base.get("bands", 32))  # v2's metrics predate the setting: 32 bands
    xs_tr, cs_tr, cap_tr = T.build_synth("train", 60, 20261125, args.threads, syn_cache)
    xs_te, cs_te, _ = T.build_synth("test", 20, 20261126, args.threads, syn_cache)
    real = realdata.build(args.cache, base["seed"], variants=base["real_variants"] + 1, speech_count=base["speech_utterances"], workers=args.threads)
    audio, text, ls, vocab = load_bundle_towers(args.from_bundle, T.AudioTower, T.TextTower, len(T.SPECIALS))
    logit_scale = torch.tensor(ls)
    # the recovered towers reproduce the bundle's own reference embeddings
    ref = json.load(open(os.path.join(args.from_bundle, "torch_reference.json")))
    with torch.no_grad():
        audio.eval(); text.eval()
        a, l = T.audio_input(np.load(os.path.join(args.from_bundle, "reference_features.npy")))
        da = float((audio(a, l) - torch.tensor(ref["audio_embeds"])).abs().max())
        ids, mask = T.batch_encode(ref["texts"], vocab)
        dt = float((text(ids, mask) - torch.tensor(ref["text_embeds"])).abs().max())
    T.log(f"towers of {args.from_bundle} recovered: max |diff| audio {da:.2e}, text {dt:.2e}")
    assert da < 1e-3 and dt < 1e-2, "recovered towers do not match the bundle"
    syn = T.class_table()
    class_names = sorted(syn)
    cidx = {c: i for i, c in enumerate(class_names)}
    X, Y, PHRASE, IS_INSTR, counts, wts = T.training_set(xs_tr, cs_tr, cap_tr, real, cidx, args.synth_weight)
    rng = np.random.default_rng(args.seed + 3)
    gen = torch.Generator().manual_seed(args.seed + 3)

    def caption(j):
        c = class_names[Y[j]]
        phrase = PHRASE[j] if (PHRASE[j] is not None and rng.random() < 0.5) else syn[c][rng.integers(len(syn[c]))]
        tmpl = T.INSTRUMENT_TEMPLATES if (IS_INSTR[j] and rng.random() < 0.5) else T.GENERAL_TEMPLATES
        return tmpl[rng.integers(len(tmpl))].format(phrase)

    val_clean = (real["split"] == "val") & (real["variant"] == 0)

    views_file = args.views_cache and os.path.join(args.views_cache, f"views_{audio_digest(args.from_bundle)}_{args.views}_{args.pitch_shift}_{args.seed}.pt")
    if views_file and os.path.exists(views_file):
        feats, f_val, f_te = torch.load(views_file)
        T.log(f"trunk vectors loaded from {views_file}")
    else:
        feats = precompute_views(audio, X, args.views, gen, T.feat_augment, T.pitch_shift, args.pitch_shift, log=T.log)
        f_val = precompute_views(audio, real["x"][val_clean], 1, gen, None, None, 0)[0]
        f_te = precompute_views(audio, xs_te, 1, gen, None, None, 0)[0]
        if views_file:
            os.makedirs(args.views_cache, exist_ok=True)
            torch.save((feats, f_val, f_te), views_file)
    evaluate = head_evaluator(audio, text, vocab, T, f_val, list(real["cls"][val_clean]), f_te, cs_te)
    T.log("before the head stage: " + json.dumps(evaluate()))
    hist = finetune_heads(audio, text, logit_scale, feats, Y, caption, T.batch_encode, vocab, wts, args.epochs, 5120, args.lr, rng, evaluate, log=T.log)
    val = T.retrieval_eval(audio, text, vocab, real["x"][val_clean], list(real["cls"][val_clean]))
    val_aug = T.retrieval_eval(audio, text, vocab, real["x"][real["split"] == "val"], list(real["cls"][real["split"] == "val"]))
    synth_test = T.retrieval_eval(audio, text, vocab, xs_te, cs_te)
    m = dict(base)
    m.update({"heldout_packages": val, "heldout_packages_augmented": val_aug, "synthetic_test": synth_test,
              "synonyms": T.synonym_probe(text, vocab), "history": base["history"] + hist,
              "head_stage": {"epochs": args.epochs, "views": args.views, "lr": args.lr, "synth_weight": args.synth_weight,
                             "pitch_shift": args.pitch_shift, "from_bundle": os.path.basename(os.path.normpath(args.from_bundle))},
              "train_seconds": base["train_seconds"] + round(time.time() - t0)})
    T.export(args.out, audio, text, vocab, float(logit_scale), m, xs_te[:2], class_names)
    T.log(f"head stage done in {time.time() - t0:.0f} s: held-out zero-shot {val['zero_shot_top1']:.3f}, synthetic {synth_test['zero_shot_top1']:.3f}")


if __name__ == "__main__":
    main()
