#!/usr/bin/env python3
"""Dynamic int8 quantization of an Earshot bundle's towers, with python3-onnx only.

    /usr/bin/python3 scripts/quantize-int8.py models/<bundle> [--out models/<bundle>-int8]
    npm run model:quantize -- models/<bundle>
    python3 scripts/export-clap-onnx.py <checkpoint> <out> --quantize int8     # the same pass after an export

Writes a second bundle (default `<bundle>-int8`, name `<name>-int8`): audio_model_quantized.onnx,
text_model_quantized.onnx, the tokenizer files and a manifest pointing at them. A bundle's identity is the hash
of its towers, so int8 vectors never mix with the fp32 bundle's in a library (docs/models.md). A calibration.json
is not copied: it was fitted on the fp32 towers' cosines (`npm run model:calibrate` fits one for these).

Why our own pass: onnxruntime's quantizer (onnxruntime.quantization.quantize_dynamic) is a Python package that is
not installed here, and PyPI is out of reach; Debian ships python3-onnx. This writes the same graph shape that
quantize_dynamic writes for MatMul in its default (QOperator, MatMulInteger) mode, which onnxruntime's graph
optimiser fuses into its int8 kernels (MatMulIntegerToFloat / DynamicQuantizeMatMul) at load time:

    A (float) -> DynamicQuantizeLinear -> A_q (uint8), a_scale, a_zero_point
    MatMulInteger(A_q, W_q int8 [K,N], a_zero_point) -> int32 -> Cast float -> * (a_scale * w_scale[N]) (+ bias)

Every MatMul and Gemm whose weight is a float32 initializer of rank 2 is quantized: weights symmetric int8 per
output column (scale = max |W[:, n]| / 127, zero point 0), activations asymmetric uint8 per tensor at run time.
MatMuls of two activations (attention scores), convolutions, embeddings and everything else stay float32.
`--reduce-range` uses 7-bit weights (onnxruntime's advice for CPUs without VNNI, where the u8*s8 kernels can
saturate).
"""
import argparse
import json
import os
import shutil
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def quantize_model(model, reduce_range=False):
    """Rewrite `model` (onnx.ModelProto) in place; returns {op_type: count} of the quantized nodes."""
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    qmax = 63 if reduce_range else 127
    cache = {}  # activation name -> (quantized, scale, zero point) outputs: one DynamicQuantizeLinear per input
    out_nodes, new_inits, counts = [], [], {}
    uid = [0]

    def fresh(base):
        uid[0] += 1
        return f"{base}_q{uid[0]}"

    def weight(name):
        t = inits.get(name)
        if t is None or t.data_type != TensorProto.FLOAT or len(t.dims) != 2:
            return None
        return numpy_helper.to_array(t)

    def emit(node, a, w, bias, out):
        """out = a @ w (+ bias) in int8; w float32 [K, N]."""
        if a not in cache:
            q, s, z = fresh(f"{a}_quant"), fresh(f"{a}_scale"), fresh(f"{a}_zero_point")
            out_nodes.append(helper.make_node("DynamicQuantizeLinear", [a], [q, s, z], name=fresh("DynamicQuantizeLinear")))
            cache[a] = (q, s, z)
        q, s, z = cache[a]
        amax = np.abs(w).max(axis=0)
        scale = np.where(amax > 0, amax / qmax, 1.0).astype(np.float32)
        wq = np.clip(np.rint(w / scale), -qmax, qmax).astype(np.int8)
        base = node.name or fresh(node.op_type)
        wq_name, ws_name = fresh(f"{base}_W_quantized"), fresh(f"{base}_W_scale")
        new_inits.extend([numpy_helper.from_array(wq, wq_name), numpy_helper.from_array(scale, ws_name)])
        acc, accf, sc = fresh(f"{base}_int32"), fresh(f"{base}_float"), fresh(f"{base}_scale")
        out_nodes.append(helper.make_node("MatMulInteger", [q, wq_name, z], [acc], name=fresh(f"{base}_MatMulInteger")))
        out_nodes.append(helper.make_node("Cast", [acc], [accf], to=TensorProto.FLOAT, name=fresh(f"{base}_Cast")))
        out_nodes.append(helper.make_node("Mul", [s, ws_name], [sc], name=fresh(f"{base}_ScaleMul")))
        if bias is None:
            out_nodes.append(helper.make_node("Mul", [accf, sc], [out], name=fresh(f"{base}_Mul")))
        else:
            mid = fresh(f"{base}_unbiased")
            out_nodes.append(helper.make_node("Mul", [accf, sc], [mid], name=fresh(f"{base}_Mul")))
            out_nodes.append(helper.make_node("Add", [mid, bias], [out], name=fresh(f"{base}_Bias")))
        counts[node.op_type] = counts.get(node.op_type, 0) + 1

    for node in g.node:
        if node.op_type == "MatMul" and (w := weight(node.input[1])) is not None:
            emit(node, node.input[0], w, None, node.output[0])
            continue
        if node.op_type == "Gemm" and (w := weight(node.input[1])) is not None:
            at = _attrs(node)
            bias = node.input[2] if len(node.input) > 2 and node.input[2] else None
            if at.get("transA", 0) == 0 and at.get("alpha", 1.0) == 1.0 and (bias is None or at.get("beta", 1.0) == 1.0):
                emit(node, node.input[0], w.T if at.get("transB", 0) else w, bias, node.output[0])
                continue
        out_nodes.append(node)

    del g.node[:]
    g.node.extend(out_nodes)
    used = {i for n in g.node for i in n.input} | {o.name for o in g.output}
    keep = [t for t in g.initializer if t.name in used]
    del g.initializer[:]
    g.initializer.extend(keep + new_inits)
    # Initializers listed as graph inputs (older exporters) must go with them.
    names = {t.name for t in g.initializer}
    graph_inputs = [i for i in g.input if i.name in used or i.name not in inits or i.name in names]
    del g.input[:]
    g.input.extend(graph_inputs)
    return counts


def quantize_file(src, dst, reduce_range=False):
    model = onnx.load(src)
    counts = quantize_model(model, reduce_range)
    onnx.checker.check_model(model)
    onnx.save(model, dst)
    return counts


def quantize_bundle(src_dir, out_dir, reduce_range=False, log=print):
    with open(os.path.join(src_dir, "manifest.json")) as f:
        m = json.load(f)
    os.makedirs(out_dir, exist_ok=True)
    files = dict(m["files"])
    for key in ("audio", "text"):
        src = os.path.join(src_dir, files[key])
        name = os.path.splitext(files[key])[0] + "_quantized.onnx"
        counts = quantize_file(src, os.path.join(out_dir, name), reduce_range)
        log(f"[quantize] {files[key]} -> {name}: {', '.join(f'{n} {k}' for k, n in sorted(counts.items())) or 'nothing to quantize'} "
            f"({os.path.getsize(src) / 1e6:.1f} -> {os.path.getsize(os.path.join(out_dir, name)) / 1e6:.1f} MB)")
        files[key] = name
    for f in os.listdir(src_dir):  # tokenizer and the exporter's informational files
        if f.endswith(".json") and f not in ("manifest.json", "calibration.json"):
            shutil.copyfile(os.path.join(src_dir, f), os.path.join(out_dir, f))
    name = os.path.basename(os.path.normpath(out_dir))
    m.update({
        "name": name,
        "description": f"{m.get('description', m['name'])} — towers dynamically quantized to int8 by scripts/quantize-int8.py "
                       f"(MatMul/Gemm weights per-column int8{', 7-bit' if reduce_range else ''}, activations uint8 per tensor)",
        "files": files,
    })
    m.pop("sha256", None)  # version is computed from the files; the fp32 hashes would be wrong here
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(m, f, indent=2)
    log(f"[quantize] wrote bundle {out_dir} (EARSHOT_MODEL={name})")
    return out_dir


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bundle", help="bundle folder, e.g. models/htsat-standin")
    ap.add_argument("--out", help="bundle folder to write (default: <bundle>-int8)")
    ap.add_argument("--reduce-range", action="store_true", help="7-bit weights (CPUs without VNNI)")
    args = ap.parse_args()
    src = os.path.normpath(args.bundle)
    if not os.path.isfile(os.path.join(src, "manifest.json")):
        sys.exit(f"MODEL_NOT_FOUND: no manifest.json in {src}")
    quantize_bundle(src, args.out or f"{src}-int8", args.reduce_range)


if __name__ == "__main__":
    main()
