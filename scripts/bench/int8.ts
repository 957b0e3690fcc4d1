/**
 * npm run bench:int8 -- [--fp32 models/htsat-roberta-standin] [--int8 models/htsat-roberta-standin-int8]
 *                       [--audio-dev ../shared/audio-dev] [--rounds 5] [--clips 12] [--queries 40] [--threads 2] [--speed-only]
 *
 * An int8 bundle (scripts/quantize-int8.py) against its fp32 original, in one process, rounds interleaved:
 *   - drift on real audio: every decodable clip of the folder through both audio towers (the product's decode and
 *     features), max |fp32 - int8| over the unit vectors' components and the cosine between them (min, mean);
 *     the same for the text tower on the folder's labels as prompts and as typed;
 *   - how far apart the vectors are to begin with (mean cosine between different clips, fp32), and whether each clip's
 *     nearest other clip is the same with both towers: a drift only matters against that spread;
 *   - zero-shot top-1 over the folder's labels with each tower pair, and how often the two agree (only meaningful
 *     for trained weights, e.g. clap-mini: a random-weight stand-in has no right answer);
 *   - speed: per round, `--clips` clips one at a time (batch 1) through each audio tower, and `--queries` fresh
 *     query texts one at a time through each text tower (uncached: the cache is off and every text is new);
 *     median of the per-round medians per model and the int8/fp32 ratio within each round (median of those).
 * `--speed-only` skips the drift part (every clip through both towers) for a quicker speed rerun.
 * Writes bench/results/int8-<fp32 name>[-t<threads>][-speed].json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeFile } from '../../apps/api/src/audio/index.js';
import { parseCsv } from '../../apps/api/src/eval/index.js';
import { clapFeatures, type ClapFeatures } from '../../apps/api/src/features/index.js';
import { ClapRuntime, cosine, loadBundle } from '../../apps/api/src/model/index.js';
import { arg, REPO_ROOT, r2, writeResult } from './common.js';
import { exitWithHelpIfAsked } from '../usage.js';

exitWithHelpIfAsked(import.meta.url);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function drift(a: Float32Array[], b: Float32Array[]) {
  let maxAbs = 0;
  const cos = a.map((v, i) => {
    for (let j = 0; j < v.length; j++) maxAbs = Math.max(maxAbs, Math.abs(v[j] - b[i][j]));
    return cosine(v, b[i]);
  });
  return {
    n: a.length,
    maxAbsDiff: Number(maxAbs.toExponential(3)),
    minCosine: Number(Math.min(...cos).toFixed(6)),
    meanCosine: Number((cos.reduce((s, c) => s + c, 0) / cos.length).toFixed(6)),
  };
}

async function timed<T>(f: () => Promise<T>): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

async function main() {
  const fp32Dir = path.resolve(arg('fp32') ?? path.join(REPO_ROOT, 'models/htsat-roberta-standin'));
  const int8Dir = path.resolve(arg('int8') ?? `${fp32Dir}-int8`);
  const folder = path.resolve(arg('audio-dev') ?? path.join(REPO_ROOT, '../shared/audio-dev'));
  const rounds = Number(arg('rounds') ?? 5);
  const clipsPerRound = Number(arg('clips') ?? 12);
  const queriesPerRound = Number(arg('queries') ?? 40);
  const threads = Number(arg('threads') ?? 2);
  const speedOnly = process.argv.includes('--speed-only');
  for (const d of [fp32Dir, int8Dir]) {
    if (!fs.existsSync(path.join(d, 'manifest.json'))) {
      console.error(`MODEL_NOT_FOUND: no bundle at ${d}. The default pair: npm run model:standin -- --text roberta && npm run model:quantize -- models/htsat-roberta-standin`);
      process.exit(2);
    }
  }
  const opts = { provider: 'cpu' as const, intraOpThreads: threads, textCacheSize: 0 };
  const [fp32, int8] = [await ClapRuntime.open(await loadBundle(fp32Dir), opts), await ClapRuntime.open(await loadBundle(int8Dir), opts)];
  if (fp32.identity.featureMode !== int8.identity.featureMode) throw new Error('the two bundles expect different features');
  const mode = fp32.identity.featureMode;
  console.log(`fp32 ${fp32.identity.name} (${fp32.identity.version}) vs int8 ${int8.identity.name} (${int8.identity.version}), ${threads} ORT threads`);

  const [head, ...rows] = parseCsv(fs.readFileSync(path.join(folder, 'labels.csv'), 'utf8'));
  const items: { file: string; label: string; f: ClapFeatures }[] = [];
  for (const r of rows) {
    const file = r[head.indexOf('file')];
    try {
      const d = await decodeFile(path.join(folder, file));
      items.push({ file, label: r[head.indexOf('label')], f: clapFeatures(d.samples, mode) });
    } catch {
      // undecodable on purpose (the folder's bad inputs): not part of a drift figure
    }
  }
  const labels = [...new Set(items.map((i) => i.label))].sort();
  console.log(`${items.length} clips, ${labels.length} labels from ${folder}`);

  // Drift, one clip at a time (the product's batch-of-1 semantics; batching does not change a vector).
  const ea: Float32Array[] = [];
  const eb: Float32Array[] = [];
  for (const it of speedOnly ? items.slice(0, 4) : items) {
    ea.push(...(await fp32.embedAudio([it.f])));
    eb.push(...(await int8.embedAudio([it.f])));
  }
  const nearest = (emb: Float32Array[]) => emb.map((e, i) => emb.reduce((bi, f, j) => (j !== i && (bi < 0 || cosine(e, f) > cosine(e, emb[bi])) ? j : bi), -1));
  const [nA, nB] = [nearest(ea), nearest(eb)];
  let spread = 0;
  for (let i = 0; i < ea.length; i++) for (let j = 0; j < ea.length; j++) if (i !== j) spread += cosine(ea[i], ea[j]);
  const audioDrift = speedOnly
    ? null
    : {
        ...drift(ea, eb),
        meanCosineBetweenClips: Number((spread / (ea.length * (ea.length - 1))).toFixed(4)),
        nearestNeighbourAgreement: r2((100 * nA.filter((x, i) => x === nB[i]).length) / ea.length),
      };
  const prompts = labels.map((l) => fp32.manifest.promptTemplate.replaceAll('{}', l));
  const [tpA, tpB, tlA, tlB] = [await fp32.embedText(prompts), await int8.embedText(prompts), await fp32.embedText(labels), await int8.embedText(labels)];
  const textDrift = speedOnly ? null : drift([...tpA, ...tlA], [...tpB, ...tlB]);
  const top1 = (emb: Float32Array[], txt: Float32Array[]) => emb.map((e) => labels[txt.map((t) => cosine(e, t)).reduce((bi, c, i, all) => (c > all[bi] ? i : bi), 0)]);
  const [zA, zB] = speedOnly ? [[], []] : [top1(ea, tpA), top1(eb, tpB)];
  const zeroShot = speedOnly
    ? null
    : {
        fp32Top1: r2((100 * zA.filter((l, i) => l === items[i].label).length) / items.length),
        int8Top1: r2((100 * zB.filter((l, i) => l === items[i].label).length) / items.length),
        agreement: r2((100 * zA.filter((l, i) => l === zB[i]).length) / items.length),
        chance: r2(100 / labels.length),
      };
  console.log('audio drift', audioDrift);
  console.log('text drift ', textDrift);
  console.log('zero-shot %', zeroShot);

  // Speed, interleaved rounds; which model goes first alternates.
  const audioMs: Record<'fp32' | 'int8', number[]> = { fp32: [], int8: [] };
  const textMs: Record<'fp32' | 'int8', number[]> = { fp32: [], int8: [] };
  const audioRatio: number[] = [];
  const textRatio: number[] = [];
  const loadBefore = os.loadavg()[0];
  for (let r = 0; r < rounds; r++) {
    const clips = Array.from({ length: clipsPerRound }, (_, i) => items[(r * clipsPerRound + i) % items.length].f);
    const queries = Array.from({ length: queriesPerRound }, (_, i) => `${labels[(r * queriesPerRound + i) % labels.length]} number ${r * queriesPerRound + i}`);
    const order = r % 2 ? (['int8', 'fp32'] as const) : (['fp32', 'int8'] as const);
    const perRound: Record<string, { a: number; t: number }> = {};
    for (const which of order) {
      const rt = which === 'fp32' ? fp32 : int8;
      const a: number[] = [];
      for (const c of clips) a.push(await timed(() => rt.embedAudio([c])));
      const t: number[] = [];
      for (const q of queries) t.push(await timed(() => rt.embedText([q])));
      perRound[which] = { a: median(a), t: median(t) };
      audioMs[which].push(perRound[which].a);
      textMs[which].push(perRound[which].t);
    }
    audioRatio.push(perRound.int8.a / perRound.fp32.a);
    textRatio.push(perRound.int8.t / perRound.fp32.t);
    console.log(
      `round ${r + 1}: audio ${perRound.fp32.a.toFixed(1)} / ${perRound.int8.a.toFixed(1)} ms a clip, text ${perRound.fp32.t.toFixed(2)} / ${perRound.int8.t.toFixed(2)} ms a query (fp32 / int8)`,
    );
  }
  const speed = {
    audioMsPerClip: { fp32: r2(median(audioMs.fp32)), int8: r2(median(audioMs.int8)), ratio: r2(median(audioRatio)), ratios: audioRatio.map(r2) },
    textMsPerQuery: { fp32: r2(median(textMs.fp32)), int8: r2(median(textMs.int8)), ratio: r2(median(textRatio)), ratios: textRatio.map(r2) },
  };
  const load = { before: r2(loadBefore), after: r2(os.loadavg()[0]), cores: os.cpus().length };
  console.log('speed', JSON.stringify(speed), 'load average', load);
  const file = writeResult(`int8-${fp32.identity.name}${threads === 2 ? '' : `-t${threads}`}${speedOnly ? '-speed' : ''}`, {
    fp32: fp32.identity,
    int8: int8.identity,
    threads,
    rounds,
    clipsPerRound,
    queriesPerRound,
    clips: items.length,
    labels: labels.length,
    audioDrift,
    textDrift,
    zeroShot,
    speed,
    load,
  });
  console.log(`wrote ${file}`);
  await Promise.all([fp32.close(), int8.close()]);
}

await main();
