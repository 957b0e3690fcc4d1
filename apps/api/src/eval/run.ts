/**
 * `npm run eval`: a labelled folder goes through the real ingest pipeline and model runtime into a
 * throwaway in-memory store, then the product's own search and classify functions answer the
 * questions a user asks, and the answers are scored against the labels.
 *
 * The folder is linked twice into a temp folder: `named/<file>` (the real names) and
 * `hidden/clip-0001.<ext>` (names that carry no words), as hard links where the file system allows
 * (copies otherwise: ingest refuses symlinks that leave the ingested folder). Both have the same bytes,
 * so ingest embeds each sound once and lists it twice; every query is restricted to one copy by
 * folder, which gives "hybrid with file names hidden" without a second ingest.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config.js';
import { EarshotError } from '../errors.js';
import { runIngest, type ProgressSnapshot } from '../ingest/index.js';
import type { ClapRuntime } from '../model/index.js';
import { listClips, type ClipRow } from '../library/index.js';
import { classifyVectors, relevanceForSearch, searchByText, similarTo, storedVectors } from '../search/index.js';
import { ensureModel, openStore, type Store } from '../store/index.js';
import { readLabelledFolder, type LabelledFolder, type LabelledItem } from './labels.js';
import { averagePrecision, expectedCalibrationError, mean, precisionAt, randomAveragePrecision } from './metrics.js';

/** One figure with the level a random answer reaches on the same data. null = not measurable (yet). */
export interface Figure {
  value: number | null;
  chance: number | null;
  /** Queries or clips the figure averages over. */
  n: number;
  note?: string;
}

export interface RetrievalFigures {
  p5: Figure;
  p10: Figure;
  map: Figure;
}

export interface LabelFigures {
  label: string;
  clips: number;
  zeroShotTop1: number;
  apVector: number;
  apHybrid: number;
  apHybridNamesHidden: number;
  /** Good matches the API lists for the label as a query (hybrid, names hidden). */
  goodMatches: number;
  unknownWords: string[];
}

export interface EvalReport {
  /** Bumped when a figure changes meaning; new figures may be added without a bump. */
  schema: 1;
  model: { name: string; version: string };
  folder: string;
  clips: number;
  labels: number;
  template: string;
  /** labels.csv rows the pipeline rejected (code from the decoder) or whose file is absent. */
  failed: { file: string; code: string; message: string }[];
  missing: string[];
  zeroShotTop1: Figure;
  /** The same with each label averaged over ENSEMBLE_TEMPLATES (classify's ensemble option). */
  zeroShotTop1Ensemble: Figure;
  textToAudio: { vector: RetrievalFigures; hybrid: RetrievalFigures; hybridNamesHidden: RetrievalFigures };
  /** Over clips whose label has another clip (a single-clip label can never score). */
  audioToAudioP5: Figure;
  /** The same over every clip, single-clip labels counting 0 (the figure quoted before eval existed). */
  audioToAudioP5AllClips: Figure;
  /**
   * The good-match set (hits at or above the cutoff, hybrid, names hidden) pooled over the labels whose
   * words the model knows; unknownLabelsEmpty: labels with an unknown word that got no good match at all.
   */
  cutoff: { precision: Figure; recall: Figure; unknownLabelsEmpty: Figure; calibration: string };
  /**
   * ece: the softmax top-1 confidence; presenceEce: each label's calibrated presence over every (clip, label)
   * pair; noneOfTheseRate: clips classified against the folder's labels minus their own that answer "none of
   * these"; openSetTop1: top-1 with every label offered, counted right only when "none of these" is not said.
   */
  classify: { ece: Figure; presenceEce: Figure; noneOfTheseRate: Figure; openSetTop1: Figure };
  perLabel: LabelFigures[];
  seconds: { ingest: number; evaluate: number; total: number };
}

export interface EvalClip extends LabelledItem {
  /** Clip ids of the two copies. */
  named: ClipRow;
  hidden: ClipRow;
}

export interface EvalLibrary {
  clips: EvalClip[];
  namedFolder: string;
  hiddenFolder: string;
}

const NOT_YET = (what: string): Figure => ({ value: null, chance: null, n: 0, note: `${what}: not measurable` });

/** A hard link, or a copy across file systems (EXDEV) or where links are not allowed. */
async function place(src: string, dst: string): Promise<void> {
  try {
    await fs.link(src, dst);
  } catch {
    await fs.copyFile(src, dst);
  }
}

/** Place every labelled file at `<dir>/named/<file>` and `<dir>/hidden/clip-NNNN<ext>`. */
export async function linkLibrary(folder: LabelledFolder, dir: string): Promise<{ named: Map<string, LabelledItem>; hidden: Map<string, LabelledItem> }> {
  const named = new Map<string, LabelledItem>();
  const hidden = new Map<string, LabelledItem>();
  const width = String(folder.items.length).length;
  for (const [i, it] of folder.items.entries()) {
    const a = path.join(dir, 'named', it.file);
    const b = path.join(dir, 'hidden', `clip-${String(i + 1).padStart(Math.max(4, width), '0')}${path.extname(it.file).toLowerCase()}`);
    for (const link of [a, b]) {
      await fs.mkdir(path.dirname(link), { recursive: true });
      await place(it.path, link);
    }
    named.set(a, it);
    hidden.set(b, it);
  }
  return { named, hidden };
}

async function allClips(store: Store, modelId: number, folderPrefix: string): Promise<ClipRow[]> {
  const out: ClipRow[] = [];
  let after: string | null = null;
  for (;;) {
    const p = await listClips(store, modelId, { filter: { folderPrefix }, first: 500, after });
    out.push(...p.nodes);
    if (!p.hasNextPage) return out;
    after = p.endCursor;
  }
}

/** Measure an ingested library with the product's own search and classify functions. */
export async function evaluate(
  store: Store,
  modelId: number,
  runtime: ClapRuntime,
  lib: EvalLibrary,
): Promise<Omit<EvalReport, 'model' | 'folder' | 'failed' | 'missing' | 'seconds'>> {
  const clips = lib.clips;
  const n = clips.length;
  const labels = [...new Set(clips.map((c) => c.label))].sort();
  const template = runtime.manifest.promptTemplate;
  const byLabel = new Map<string, EvalClip[]>();
  for (const c of clips) byLabel.set(c.label, [...(byLabel.get(c.label) ?? []), c]);

  // Zero-shot over all of the folder's labels, with the stored whole-clip vector (as classify does).
  const zs: { clip: EvalClip; best: string; confidence: number; none: boolean | null }[] = [];
  const presence: { confidence: number; correct: boolean }[] = [];
  let ensembleRight = 0;
  let leftOut = 0;
  let saidNone = 0;
  for (const c of clips) {
    const vectors = await storedVectors(store, modelId, c.named.contentHash);
    const r = await classifyVectors(runtime, vectors, labels, template, false);
    zs.push({ clip: c, best: r.best.label, confidence: r.best.score, none: r.noneOfThese });
    if ((await classifyVectors(runtime, vectors, labels, template, false, true)).best.label === c.label) ensembleRight++;
    for (const s of r.scores) if (s.present !== null) presence.push({ confidence: s.present, correct: s.label === c.label });
    if (labels.length > 1) {
      const without = await classifyVectors(
        runtime,
        vectors,
        labels.filter((l) => l !== c.label),
        template,
        false,
      );
      leftOut++;
      if (without.noneOfThese) saidNone++;
    }
  }
  const calibrated = zs.some((z) => z.none !== null);
  const zsRight = zs.filter((z) => z.best === z.clip.label).length;

  // Text → audio: each label is a query; the clips with that label are the relevant ones.
  const embedText = (t: string[]) => runtime.embedText(t);
  const variants = {
    vector: { hybrid: false, folder: lib.namedFolder, key: 'named' as const },
    hybrid: { hybrid: true, folder: lib.namedFolder, key: 'named' as const },
    hybridNamesHidden: { hybrid: true, folder: lib.hiddenFolder, key: 'hidden' as const },
  };
  const perQuery = new Map<string, Record<keyof typeof variants, { p5: number; p10: number; ap: number }>>();
  for (const label of labels) {
    const res = {} as Record<keyof typeof variants, { p5: number; p10: number; ap: number }>;
    for (const [name, v] of Object.entries(variants) as [keyof typeof variants, (typeof variants)['vector']][]) {
      const relevant = new Set((byLabel.get(label) ?? []).map((c) => c[v.key].id));
      const page = await searchByText(store, modelId, embedText, { query: label, filter: { folderPrefix: v.folder }, first: n, hybrid: v.hybrid });
      const ranked = page.hits.map((h) => h.clip.id);
      res[name] = { p5: precisionAt(ranked, relevant, 5), p10: precisionAt(ranked, relevant, 10), ap: averagePrecision(ranked, relevant) };
    }
    perQuery.set(label, res);
  }
  const chanceP = mean(labels.map((l) => (byLabel.get(l)?.length ?? 0) / n));
  const chanceAp = mean(labels.map((l) => randomAveragePrecision(n, byLabel.get(l)?.length ?? 0)));
  const retrieval = (name: keyof typeof variants): RetrievalFigures => {
    const rows = labels.map((l) => (perQuery.get(l) as Record<string, { p5: number; p10: number; ap: number }>)[name]);
    return {
      p5: { value: mean(rows.map((r) => r.p5)), chance: chanceP, n: labels.length },
      p10: { value: mean(rows.map((r) => r.p10)), chance: chanceP, n: labels.length },
      map: { value: mean(rows.map((r) => r.ap)), chance: chanceAp, n: labels.length },
    };
  };

  // Audio → audio: "more like this" from each clip whose label has another clip; same label = right.
  const a2a: number[] = [];
  const a2aChance: number[] = [];
  for (const c of clips) {
    const same = (byLabel.get(c.label) ?? []).filter((o) => o !== c);
    if (!same.length) continue;
    const page = await similarTo(store, modelId, async () => new Float32Array(0), { clip: String(c.named.id), filter: { folderPrefix: lib.namedFolder }, first: 5 });
    a2a.push(
      precisionAt(
        page.hits.map((h) => h.clip.id),
        new Set(same.map((o) => o.named.id)),
        5,
      ),
    );
    a2aChance.push(same.length / (n - 1));
  }

  // The cutoff: the good matches the API would list (relevance in force, hybrid, names hidden).
  const rel = await relevanceForSearch(store, modelId, runtime);
  let tp = 0;
  let shown = 0;
  let relevantKnown = 0;
  let unknownLabels = 0;
  let unknownEmpty = 0;
  const goodCount = new Map<string, number>();
  for (const label of labels) {
    const unknown = runtime.unknownWords(label);
    const page = await searchByText(store, modelId, embedText, {
      query: label,
      filter: { folderPrefix: lib.hiddenFolder },
      first: n,
      hybrid: true,
      relevance: rel,
      unknownWords: (t) => runtime.unknownWords(t),
    });
    goodCount.set(label, page.totalCount);
    if (unknown.length) {
      unknownLabels++;
      if (page.totalCount === 0) unknownEmpty++;
      continue;
    }
    const relevant = new Set((byLabel.get(label) ?? []).map((c) => c.hidden.id));
    relevantKnown += relevant.size;
    shown += page.hits.length;
    tp += page.hits.filter((h) => relevant.has(h.clip.id)).length;
  }
  const knownLabels = labels.length - unknownLabels;

  const perLabel: LabelFigures[] = labels.map((label) => {
    const q = perQuery.get(label) as Record<keyof typeof variants, { ap: number }>;
    const mine = zs.filter((z) => z.clip.label === label);
    return {
      label,
      clips: mine.length,
      zeroShotTop1: mine.filter((z) => z.best === label).length / mine.length,
      apVector: q.vector.ap,
      apHybrid: q.hybrid.ap,
      apHybridNamesHidden: q.hybridNamesHidden.ap,
      goodMatches: goodCount.get(label) ?? 0,
      unknownWords: runtime.unknownWords(label),
    };
  });

  return {
    schema: 1,
    clips: n,
    labels: labels.length,
    template,
    zeroShotTop1: { value: zsRight / n, chance: 1 / labels.length, n },
    zeroShotTop1Ensemble: { value: ensembleRight / n, chance: 1 / labels.length, n, note: 'labels averaged over 5 prompt templates' },
    textToAudio: { vector: retrieval('vector'), hybrid: retrieval('hybrid'), hybridNamesHidden: retrieval('hybridNamesHidden') },
    audioToAudioP5: { value: a2a.length ? mean(a2a) : null, chance: a2a.length ? mean(a2aChance) : null, n: a2a.length, note: 'queries: clips with a same-label partner' },
    audioToAudioP5AllClips: { value: mean(a2a) * (a2a.length / n), chance: mean(a2aChance) * (a2a.length / n), n, note: 'single-clip labels count 0' },
    cutoff: {
      // Chance: a cutoff that keeps a random share of the clips has the base rate as its precision.
      precision: { value: shown ? tp / shown : null, chance: knownLabels ? relevantKnown / (knownLabels * n) : null, n: knownLabels, note: `${tp} of ${shown} good matches right` },
      recall: { value: relevantKnown ? tp / relevantKnown : null, chance: null, n: knownLabels, note: `${tp} of ${relevantKnown} relevant clips listed` },
      unknownLabelsEmpty: {
        value: unknownLabels ? unknownEmpty / unknownLabels : null,
        chance: null,
        n: unknownLabels,
        note: 'labels with an unknown word that list no good match',
      },
      calibration: `${rel.kind}: ${rel.source}`,
    },
    classify: {
      // The softmax's top-1 confidence against being right; "chance" is a perfectly calibrated classifier's 0.
      ece: {
        value: expectedCalibrationError(zs.map((z) => ({ confidence: z.confidence, correct: z.best === z.clip.label }))),
        chance: 0,
        n,
        note: 'softmax top-1 confidence, 10 bins',
      },
      presenceEce: calibrated
        ? { value: expectedCalibrationError(presence), chance: 0, n: presence.length, note: 'calibrated presence of every (clip, label) pair, 10 bins' }
        : NOT_YET('presence (the bundle has no calibration)'),
      noneOfTheseRate: calibrated
        ? { value: saidNone / leftOut, chance: null, n: leftOut, note: `${saidNone} of ${leftOut} clips, their own label left out` }
        : NOT_YET('"none of these" (the bundle has no calibration)'),
      openSetTop1: calibrated
        ? {
            value: zs.filter((z) => z.best === z.clip.label && !z.none).length / n,
            chance: 1 / labels.length,
            n,
            note: `closed-set ${((100 * zsRight) / n).toFixed(1)} %: right only when "none of these" is not said`,
          }
        : NOT_YET('open-set top-1 (the bundle has no calibration)'),
    },
    perLabel,
  };
}

export interface RunEvalOptions {
  folder: string;
  /** Bundle under cfg.modelDir (default cfg.modelName). */
  modelName?: string;
  onProgress?: (p: ProgressSnapshot) => void;
  /** Opens the runtime; the CLI passes its own (same options as ingest). */
  openRuntime: (cfg: Config, modelName: string) => Promise<ClapRuntime>;
}

export interface IngestedLibrary {
  store: Store;
  modelId: number;
  runtime: ClapRuntime;
  lib: EvalLibrary;
  folder: LabelledFolder;
  failed: { file: string; code: string; message: string }[];
  ingestSec: number;
}

/**
 * Read labels, link the folder, ingest it into an in-memory store with the real pipeline, and hand
 * the result to `fn`; everything is closed and the links removed afterwards. eval and calibrate use it.
 */
export async function withIngestedLibrary<T>(cfg: Config, opts: RunEvalOptions, fn: (l: IngestedLibrary) => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const folder = await readLabelledFolder(opts.folder);
  const modelName = opts.modelName ?? cfg.modelName;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'earshot-eval-'));
  // Always a throwaway embedded store, whatever DATABASE_URL says: eval must never touch a library.
  const evalCfg: Config = { ...cfg, modelName, dataDir: ':memory:', databaseUrl: undefined };
  let store: Store | undefined;
  let runtime: ClapRuntime | undefined;
  try {
    const links = await linkLibrary(folder, dir);
    runtime = await opts.openRuntime(evalCfg, modelName);
    store = await openStore(evalCfg);
    const summary = await runIngest({ store, runtime, config: evalCfg }, { root: dir, concurrency: cfg.ingest.concurrency, onProgress: opts.onProgress });
    const { id: modelId } = await ensureModel(store, runtime.identity);
    const namedFolder = path.join(dir, 'named');
    const hiddenFolder = path.join(dir, 'hidden');
    const named = new Map((await allClips(store, modelId, namedFolder)).map((c) => [c.path, c]));
    const hidden = new Map((await allClips(store, modelId, hiddenFolder)).map((c) => [c.path, c]));
    const byItem = new Map<LabelledItem, ClipRow>();
    for (const [p, it] of links.hidden) {
      const c = hidden.get(p);
      if (c) byItem.set(it, c);
    }
    const clips: EvalClip[] = [];
    for (const [p, it] of links.named) {
      const a = named.get(p);
      const b = byItem.get(it);
      if (a && b) clips.push({ ...it, named: a, hidden: b });
    }
    if (!clips.length) throw new EarshotError('INGEST_FAILED', `no file listed in labels.csv could be ingested (${summary.failures.length} failed)`, { subject: folder.csv });
    const failedFiles = new Map<string, { file: string; code: string; message: string }>();
    for (const f of summary.failures) {
      const it = links.named.get(f.path) ?? links.hidden.get(f.path);
      if (it && !failedFiles.has(it.file)) failedFiles.set(it.file, { file: it.file, code: f.code, message: f.message });
    }
    return await fn({
      store,
      modelId,
      runtime,
      lib: { clips, namedFolder, hiddenFolder },
      folder,
      failed: [...failedFiles.values()],
      ingestSec: (performance.now() - t0) / 1000,
    });
  } finally {
    await store?.close();
    await runtime?.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** The whole eval: ingest the labelled folder (withIngestedLibrary), measure, report. */
export async function runEval(cfg: Config, opts: RunEvalOptions): Promise<EvalReport> {
  const t0 = performance.now();
  return withIngestedLibrary(cfg, opts, async (l) => {
    const t1 = performance.now();
    const measured = await evaluate(l.store, l.modelId, l.runtime, l.lib);
    const t2 = performance.now();
    return {
      ...measured,
      model: { name: l.runtime.identity.name, version: l.runtime.identity.version },
      folder: l.folder.root,
      failed: l.failed,
      missing: l.folder.missing,
      seconds: { ingest: (t1 - t0) / 1000, evaluate: (t2 - t1) / 1000, total: (t2 - t0) / 1000 },
    };
  });
}
