/**
 * npm run model:calibrate [-- --model NAME] [--folder demo/library [--folder OTHER ...]]
 * Fits the bundle's calibration (cosine → probability of a true match for search, similarity and label
 * presence) on labelled folders (labels.csv: file,label) through the real ingest pipeline, and writes
 * models/<NAME>/calibration.json, tied to the towers' version: rerun it after retraining or exporting a
 * bundle. The default folder is the demo library (made by `npm run demo:library`, not a training split).
 * With several folders, each weighs the same in every curve whatever its size, and pairs never cross
 * folders. ../shared/audio-dev is for measuring (npm run eval), never for fitting.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../apps/api/src/config.js';
import { collectPairs, fitCalibration, type FolderPairs } from '../apps/api/src/eval/calibrate.js';
import { withIngestedLibrary } from '../apps/api/src/eval/run.js';
import { CALIBRATION_FILE, cosineAt } from '../apps/api/src/model/calibration.js';
import { ClapRuntime, loadBundle } from '../apps/api/src/model/index.js';
import { arg, args, REPO_ROOT } from './bench/common.js';
import { exitWithHelpIfAsked } from './usage.js';

exitWithHelpIfAsked(import.meta.url);

const cfg = loadConfig();
const model = arg('model') ?? cfg.modelName;
const folders = (args('folder').length ? args('folder') : ['demo/library']).map((f) => path.resolve(REPO_ROOT, f));
const parts: FolderPairs[] = [];
const described: string[] = [];
let version = '';
const openRuntime = async (c: typeof cfg, m: string) =>
  ClapRuntime.open(await loadBundle(path.join(c.modelDir, m)), { provider: c.ort.executionProvider, intraOpThreads: c.ort.intraOpThreads, textCacheSize: 10_000 });
for (const folder of folders) {
  const rel = path.relative(REPO_ROOT, folder) || folder;
  parts.push(
    await withIngestedLibrary(cfg, { folder, modelName: model, openRuntime }, async (l) => {
      version = l.runtime.identity.version;
      described.push(`--folder ${rel} (${l.lib.clips.length} clips, ${new Set(l.lib.clips.map((c) => c.label)).size} labels)`);
      return collectPairs(l);
    }),
  );
}
const cal = fitCalibration(parts, version, `npm run model:calibrate -- --model ${model} ${described.join(' ')}`);
const out = path.join(cfg.modelDir, model, CALIBRATION_FILE);
fs.writeFileSync(out, JSON.stringify(cal, null, 1) + '\n');
for (const k of ['textToAudio', 'audioToAudio', 'labelPresence'] as const) {
  const c = cal[k];
  console.log(
    `${k.padEnd(14)} p = σ(${c.a.toFixed(3)}·cos ${c.b >= 0 ? '+' : '−'} ${Math.abs(c.b).toFixed(3)})  good match from cos ${cosineAt(c, cal.goodMatch).toFixed(3)}  (${c.n} pairs, ${c.positives} same label)`,
  );
}
console.log(`wrote ${out} for towers ${cal.bundleVersion}`);
