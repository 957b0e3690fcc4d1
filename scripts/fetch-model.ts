/**
 * npm run model:fetch -- <name> [--quantized] [--models-dir DIR] [--endpoint URL] [--token TOKEN] [--list]
 * Downloads a published CLAP ONNX export into models/<name>/ as an Earshot bundle (see docs/models.md).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { isEarshotError } from '../apps/api/src/errors.js';
import { loadBundle } from '../apps/api/src/model/bundle.js';
import { fetchModel, KNOWN_MODELS, quantizedVariant, type DownloadProgress } from '../apps/api/src/model/fetch.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const HELP = `Usage: npm run model:fetch -- <name> [options]

Downloads a published CLAP ONNX export from the Hugging Face hub into <models-dir>/<name>/
(audio_model.onnx, text_model.onnx, tokenizer.json, ... + manifest.json). Interrupted downloads
resume (HTTP Range) from <file>.part; every file is sha256-verified (known hash, else the hub's
LFS checksum) and its hash recorded in manifest.json. Needs internet.

Models:
${Object.entries(KNOWN_MODELS)
  .map(([n, m]) => `  ${n.padEnd(30)} ${m.repo}`)
  .join('\n')}

Options:
  --quantized        the int8 towers (onnx/*_quantized.onnx) instead, into <models-dir>/<name>-int8/
  --models-dir DIR   where bundles live (default: <repo>/models)
  --endpoint URL     hub base URL (default: https://huggingface.co; a mirror works)
  --token TOKEN      Hugging Face access token (only for gated/private mirrors)
  --list             print the known models and exit
  -h, --help         this text

Fusion checkpoints (laion/clap-htsat-fused) have no published ONNX export:
  python3 scripts/export-clap-onnx.py --help
Use a bundle: EARSHOT_MODEL=<name> (and EARSHOT_MODEL_DIR=<models-dir> if not the default).`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'models-dir': { type: 'string' },
      endpoint: { type: 'string' },
      token: { type: 'string' },
      list: { type: 'boolean' },
      quantized: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.list) {
    for (const [n, m] of Object.entries(KNOWN_MODELS)) console.log(`${n}\t${m.repo}\t${m.featureMode}`);
    return 0;
  }
  const name = positionals[0];
  if (!name || positionals.length > 1) {
    console.error(HELP);
    return 2;
  }
  const known = KNOWN_MODELS[name];
  if (!known) {
    console.error(`BAD_USER_INPUT: unknown model "${name}"; known: ${Object.keys(KNOWN_MODELS).join(', ')}`);
    return 2;
  }
  const spec = values.quantized ? quantizedVariant(known) : known;
  const bundleName = values.quantized ? `${name}-int8` : name;
  const modelsDir = path.resolve(values['models-dir'] ?? path.join(REPO_ROOT, 'models'));
  const bars = new cliProgress.MultiBar(
    { format: ' {file} |{bar}| {percentage}% {done}/{size}', hideCursor: true, clearOnComplete: false, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  const open = new Map<string, cliProgress.SingleBar>();
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  const onProgress = (p: DownloadProgress) => {
    let bar = open.get(p.file);
    const total = p.total ?? Math.max(p.done, 1);
    if (!bar) {
      bar = bars.create(total, p.done, { file: p.file.padEnd(26), done: mb(p.done), size: p.total === null ? '?' : mb(p.total) });
      open.set(p.file, bar);
    }
    if (p.total === null) bar.setTotal(total);
    bar.update(p.done, { done: mb(p.done) });
  };
  try {
    const res = await fetchModel(bundleName, spec, {
      modelsDir,
      endpoint: values.endpoint,
      token: values.token,
      onProgress,
      log: (l) => bars.log(`${l}\n`),
    });
    bars.stop();
    const bundle = await loadBundle(res.dir);
    for (const f of res.files) console.log(`${path.basename(f.file).padEnd(26)} ${f.sha256}${f.resumedFrom ? ` (resumed at ${f.resumedFrom} bytes)` : ''}`);
    console.log(`logit scales (${res.logitScaleSource}): a=${res.manifest.logitScaleA.toFixed(4)} t=${res.manifest.logitScaleT.toFixed(4)}`);
    console.log(`bundle ${bundle.dir} ready, version ${bundle.version}. Use it with EARSHOT_MODEL=${bundleName}`);
    return 0;
  } catch (e) {
    bars.stop();
    console.error(isEarshotError(e) ? e.toLine() : e);
    return 1;
  }
}

process.exitCode = await main();
