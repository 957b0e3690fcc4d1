/**
 * Quality figures of a model bundle on a labelled folder (labels.csv with file,label), through the product's
 * own decode -> CLAP features -> onnxruntime towers (apps/api), without a database:
 *   - zero-shot top-1 over all of the folder's labels (prompt from the manifest), chance 1/labels;
 *   - text->audio mAP, vector only: each label (as typed, no prompt) ranks every clip; relevant = same label;
 *   - audio->audio same-label P@5: each clip whose label has another clip ranks the others (and over all clips).
 * The same definitions as `npm run eval` (issue 12); used by scripts/train-mini-clap for the model card.
 *   npx tsx scripts/train/eval-bundle.ts <folder> [--model models/clap-mini] [--json out.json]
 */
import fs from 'node:fs';
import path from 'node:path';
import { decodeFile } from '../../apps/api/src/audio/index.js';
import { clapFeatures } from '../../apps/api/src/features/index.js';
import { averagePrecision, mean, parseCsv, randomAveragePrecision } from '../../apps/api/src/eval/index.js';
import { ClapRuntime, cosine, loadBundle } from '../../apps/api/src/model/index.js';

async function main() {
  const args = process.argv.slice(2);
  const folder = path.resolve(args.find((a) => !a.startsWith('--')) ?? '');
  const opt = (k: string) => (args.includes(k) ? args[args.indexOf(k) + 1] : undefined);
  const modelDir = path.resolve(opt('--model') ?? 'models/clap-mini');
  const [head, ...rows] = parseCsv(fs.readFileSync(path.join(folder, 'labels.csv'), 'utf8'));
  const fi = head.indexOf('file');
  const li = head.indexOf('label');
  const perLabelMax = Number(opt('--per-label') ?? Infinity);
  const seen = new Map<string, number>();
  const items = rows
    .map((r) => ({ file: r[fi], label: r[li] }))
    .filter((it) => fs.existsSync(path.join(folder, it.file)))
    .filter((it) => {
      const k = seen.get(it.label) ?? 0;
      seen.set(it.label, k + 1);
      return k < perLabelMax;
    });
  const rt = await ClapRuntime.open(await loadBundle(modelDir), { provider: 'cpu', intraOpThreads: 2, textCacheSize: 256 });
  const t0 = performance.now();
  const emb: Float32Array[] = [];
  const ok: typeof items = [];
  const failed: string[] = [];
  for (const it of items) {
    try {
      const d = await decodeFile(path.join(folder, it.file));
      const [e] = await rt.embedAudio([clapFeatures(d.samples, rt.identity.featureMode)]);
      emb.push(e);
      ok.push(it);
    } catch (e) {
      failed.push(`${it.file}: ${(e as Error).message}`);
    }
  }
  const labels = [...new Set(ok.map((i) => i.label))].sort();
  const n = ok.length;
  // zero-shot
  const zs: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = await rt.zeroShot(emb[i], labels);
    zs.push(s.reduce((a, b) => (b.score > a.score ? b : a)).label);
  }
  // text -> audio, vector only, query = the label as typed
  const q = await rt.embedText(labels);
  const perLabel = labels.map((label, k) => {
    const order = emb.map((e, i) => ({ i, s: cosine(q[k], e) })).sort((a, b) => b.s - a.s || a.i - b.i);
    const mine = ok.map((it, i) => (it.label === label ? i : -1)).filter((i) => i >= 0);
    return {
      label,
      clips: mine.length,
      zeroShotTop1: mean(mine.map((i) => (zs[i] === label ? 1 : 0))),
      ap: averagePrecision(
        order.map((o) => o.i),
        new Set(mine),
      ),
      chanceAp: randomAveragePrecision(n, mine.length),
      confusions: mine.filter((i) => zs[i] !== label).map((i) => zs[i]),
    };
  });
  // audio -> audio
  const p5: number[] = [];
  const p5c: number[] = [];
  for (let i = 0; i < n; i++) {
    const same = ok.filter((o, j) => j !== i && o.label === ok[i].label).length;
    if (!same) continue;
    const order = emb.map((e, j) => ({ j, s: j === i ? -Infinity : cosine(emb[i], e) })).sort((a, b) => b.s - a.s || a.j - b.j);
    p5.push(order.slice(0, 5).filter((o) => ok[o.j].label === ok[i].label).length / 5);
    p5c.push(same / (n - 1));
  }
  const report = {
    model: rt.identity,
    folder,
    clips: n,
    labels: labels.length,
    template: rt.manifest.promptTemplate,
    failed,
    zeroShotTop1: { value: mean(ok.map((it, i) => (zs[i] === it.label ? 1 : 0))), chance: 1 / labels.length },
    t2aMapVector: { value: mean(perLabel.map((p) => p.ap)), chance: mean(perLabel.map((p) => p.chanceAp)) },
    a2aP5: { value: mean(p5), chance: mean(p5c), queries: p5.length },
    a2aP5AllClips: { value: (mean(p5) * p5.length) / n, chance: (mean(p5c) * p5.length) / n },
    // the best any model can reach on the all-clips figure: a label with r clips gives each at most min(5, r - 1) / 5
    a2aP5Ceiling: mean(ok.map((it) => Math.min(5, ok.filter((o) => o.label === it.label).length - 1) / 5)),
    command: `npx tsx scripts/train/eval-bundle.ts ${path.relative(process.cwd(), folder) || '.'}${Number.isFinite(perLabelMax) ? ` --per-label ${perLabelMax}` : ''}`,
    perLabel,
    seconds: (performance.now() - t0) / 1000,
  };
  await rt.close();
  const out = opt('--json');
  if (out) fs.writeFileSync(out, JSON.stringify(report, null, 1));
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  console.log(`${report.model.name} ${report.model.version} on ${folder}: ${n} clips, ${labels.length} labels, ${failed.length} failed`);
  console.log(`  zero-shot top-1          ${pct(report.zeroShotTop1.value)}  (chance ${pct(report.zeroShotTop1.chance)})`);
  console.log(`  text→audio mAP, vector   ${pct(report.t2aMapVector.value)}  (chance ${pct(report.t2aMapVector.chance)})`);
  console.log(`  audio→audio P@5          ${pct(report.a2aP5.value)}  (chance ${pct(report.a2aP5.chance)}, ${p5.length} queries)`);
  console.log(`  audio→audio P@5, all     ${pct(report.a2aP5AllClips.value)}  (chance ${pct(report.a2aP5AllClips.chance)}, ceiling ${pct(report.a2aP5Ceiling)})`);
  for (const p of perLabel)
    console.log(`    ${p.label.padEnd(18)} ${String(p.clips).padStart(3)}  zs ${pct(p.zeroShotTop1).padStart(7)}  AP ${pct(p.ap).padStart(7)}  ${p.confusions.join(', ')}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
