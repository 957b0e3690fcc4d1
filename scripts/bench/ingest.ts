/**
 * npm run bench:ingest [-- --library demo/library --model clap-mini --concurrency 2 --repeat 1 --memory]
 * End-to-end ingest throughput of the real pipeline (runIngest: scan, hash, decode, resample,
 * features, batched audio tower, one transaction per file) over the demo library into a fresh
 * store with the configured model (clap-mini by default), beside the model alone on the same
 * batches: the files the run embedded are decoded again and cut into exactly the feature batches
 * the run's audio tower saw (same sizes, same order of items as far as one process can tell), and
 * only ClapRuntime.embedAudio is timed, the forward passes back to back. The replay runs once per thread
 * setting of onnxruntime (intraOpThreads 1…cores and the pipeline's own, 0 = onnxruntime's default), each
 * in its own runtime, interleaved chunk by chunk; the fastest is the tower's best standalone throughput
 * on this machine. ratio = best model-only wall / pipeline wall (1.0: the pipeline adds nothing over the
 * model at its best), so no thread setting can raise the ratio by slowing the replay down (issue 16: with
 * EARSHOT_ORT_THREADS=1 the old ratio, against a replay at the pipeline's setting, rose from 0.62 to 0.97
 * with the same end-to-end throughput). The ratio against the pipeline's own setting is printed beside it.
 * Stage times (decode, resample, features, model, hash, database) are measured inside the run
 * through ExecuteOptions.timings; stages overlap (concurrent files, onnxruntime's own threads), so
 * their sum can exceed the wall time. Peak RSS: rss sampled every 100 ms and the kernel's maxRSS.
 * The audio tower's own busy time inside the run (passes timed in its thread) shows how much of the
 * gap is the tower waiting for work and how much is its passes running slower beside the pipeline.
 * --model htsat-standin (npm run model:standin) measures with a tower of the real HTSAT's size.
 * --repeat N: N fresh runs, each with its own model-only replays; the one with the median ratio is
 * reported, all are in the JSON (a shared machine's noise moves single runs by ±10 %).
 * --threads 1,2: the settings to replay with (default: the pipeline's and 1…cores).
 * Store: PGlite in a fresh temp data dir (--memory: in memory); with DATABASE_URL a fresh database
 * on that server (files go through pg-boss, as in production), dropped after.
 * Writes bench/results/ingest-<backend>[-<model>].json (no suffix for clap-mini).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeFile } from '../../apps/api/src/audio/index.js';
import { loadConfig, type Config } from '../../apps/api/src/config.js';
import { clapFeatures, type ClapFeatures } from '../../apps/api/src/features/index.js';
import { embedSamples, type AudioEmbedder } from '../../apps/api/src/model/embed.js';
import { newStageTimings, runIngest, STAGES, type IngestSummary, type StageTimings } from '../../apps/api/src/ingest/index.js';
import { ClapRuntime, loadBundle } from '../../apps/api/src/model/index.js';
import { openStore, type Store } from '../../apps/api/src/store/index.js';
import { createTestDatabase } from '../../test/helpers/store.js';
import { arg, r2, REPO_ROOT, rssMb, writeResult } from './common.js';
import { exitWithHelpIfAsked } from '../usage.js';

exitWithHelpIfAsked(import.meta.url);

const MB = 1048576;

/** Peak of process.memoryUsage().rss, sampled every 100 ms until stop(). */
function rssSampler() {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.round(Math.max(peak, process.memoryUsage().rss) / MB);
    },
  };
}

/**
 * Feeds the model-only pass: embedSamples (the pipeline's own windowing and feature code) with an
 * embedder that only collects the features it is handed. Its vectors are never used.
 */
class FeatureCollector implements AudioEmbedder {
  readonly items: ClapFeatures[] = [];
  constructor(readonly identity: AudioEmbedder['identity']) {}
  async embedAudio(batch: ClapFeatures[]): Promise<Float32Array[]> {
    this.items.push(...batch);
    return batch.map(() => new Float32Array(this.identity.dim));
  }
}

/** A runtime for one onnxruntime thread setting, used only for the model-only replay (or the pipeline's own). */
interface Replay {
  threads: number;
  runtime: ClapRuntime;
}

interface Measured {
  wallMs: number;
  /** Model-only wall of the fastest setting, which setting that was, and every setting's. */
  modelMs: number;
  bestThreads: number;
  modelMsByThreads: Record<string, number>;
  pipelineSettingMs: number;
  towerBusyMs: number;
  leadMs: number;
  tailMs: number;
  timings: StageTimings;
  summary: IngestSummary;
  embedded: number;
  replay: { batches: number; items: number };
  peakRssSampled: number;
}

/** Each repetition ingests into its own fresh store: PGlite in a temp dir (or memory), or a fresh database on DATABASE_URL. */
async function freshStore(cfg: Config, inMemory: boolean) {
  if (cfg.databaseUrl) {
    const db = await createTestDatabase(cfg.databaseUrl);
    const store = await openStore({ dataDir: ':memory:', databaseUrl: db.url });
    return { store, databaseUrl: db.url as string | undefined, cleanup: async () => (await store.close(), await db.drop()) };
  }
  const tmp = inMemory ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-bench-ingest-'));
  const store = await openStore({ dataDir: tmp ?? ':memory:' });
  return { store, databaseUrl: undefined, cleanup: async () => (await store.close(), tmp && fs.rmSync(tmp, { recursive: true, force: true })) };
}

/** The real pipeline over the library, then the model alone over the same batches. */
async function measureOnce(
  cfg: Config,
  runtime: ClapRuntime,
  replays: Replay[],
  library: string,
  concurrency: number,
  inMemory: boolean,
  verbose: boolean,
): Promise<Measured & { backend: Store['backend'] }> {
  const { store, databaseUrl, cleanup } = await freshStore(cfg, inMemory);
  try {
    const timings = newStageTimings();
    const embedded: string[] = []; // files the run sent to the audio tower, in the order they finished
    const sampler = rssSampler();
    let lastLine = 0;
    const busy0 = runtime.audioBusyMs;
    const t0 = performance.now();
    const summary = await runIngest(
      { store, runtime, config: { ...cfg, databaseUrl } },
      {
        root: library,
        concurrency,
        timings,
        onFile: (job, o) => {
          if (o.status === 'done' && o.embedded) embedded.push(job.path);
        },
        onProgress: (p) => {
          if (!verbose || Date.now() - lastLine < 2000) return;
          lastLine = Date.now();
          process.stdout.write(`  ${p.session.handled}/${p.run.totalFiles} files, ${r2(p.session.filesPerSec)} files/s\n`);
        },
      },
    );
    const wallMs = performance.now() - t0;
    const towerBusyMs = runtime.audioBusyMs - busy0;
    const peakRssSampled = sampler.stop();
    if (summary.run.failedFiles > 0) console.log(`  ${summary.run.failedFiles} file(s) failed:`, summary.failures.slice(0, 5));
    const span = timings.towerSpan;

    // ---- model only: the same batches, nothing but forward passes
    // Features are made first, then the batches run back to back: a forward pass right after a burst
    // of decoding is several times slower (cold caches, onnxruntime's threads asleep), and that cost
    // belongs to the pipeline, not to the model. At most REPLAY_ITEMS features (1 MB each) are held.
    // Every thread setting replays each chunk of batches, the order rotating chunk by chunk, so a burst of load from
    // elsewhere falls on all of them alike.
    const REPLAY_ITEMS = 256;
    const collector = new FeatureCollector(runtime.identity);
    let next = 0; // index into timings.batches
    const ms = replays.map(() => 0);
    let items = 0;
    let chunkNo = 0;
    for (let f = 0; f < embedded.length; f++) {
      const d = await decodeFile(embedded[f], { maxDurationSec: cfg.ingest.maxDurationSec });
      await embedSamples(collector, d.samples, d.meta.durationSec, {
        sampleRate: 48000,
        windowSec: cfg.ingest.windowSec,
        hopSec: cfg.ingest.hopSec,
        batchSize: cfg.ort.audioBatchSize,
      });
      if (collector.items.length < REPLAY_ITEMS && f < embedded.length - 1) continue;
      const chunk: ClapFeatures[][] = [];
      while (next < timings.batches.length && collector.items.length >= timings.batches[next]) {
        const batch = collector.items.splice(0, timings.batches[next++]);
        chunk.push(batch);
        items += batch.length;
      }
      for (let k = 0; k < replays.length; k++) {
        const i = (k + chunkNo) % replays.length;
        for (const batch of chunk) {
          const t = performance.now();
          await replays[i].runtime.embedAudio(batch);
          ms[i] += performance.now() - t;
        }
      }
      chunkNo++;
    }
    const best = ms.indexOf(Math.min(...ms));
    const own = replays.findIndex((r) => r.runtime === runtime);
    if (next !== timings.batches.length || collector.items.length > 0) {
      const inRun = timings.batches.reduce((a, b) => a + b, 0);
      console.log(`  note: replay ran ${next}/${timings.batches.length} batches, ${collector.items.length} item(s) left over (the run embedded ${inRun} items)`);
    }
    return {
      backend: store.backend,
      wallMs,
      modelMs: ms[best],
      bestThreads: replays[best].threads,
      modelMsByThreads: Object.fromEntries(replays.map((r, i) => [String(r.threads), Math.round(ms[i])])),
      pipelineSettingMs: ms[own],
      towerBusyMs,
      leadMs: span ? span.first - t0 : 0,
      tailMs: span ? t0 + wallMs - span.last : 0,
      timings,
      summary,
      embedded: embedded.length,
      replay: { batches: next, items },
      peakRssSampled,
    };
  } finally {
    await cleanup();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

async function main() {
  const cfg0 = loadConfig();
  const cfg: Config = { ...cfg0, modelName: arg('model') ?? cfg0.modelName };
  const library = path.resolve(REPO_ROOT, arg('library') ?? 'demo/library');
  const concurrency = Number(arg('concurrency') ?? cfg.ingest.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`--concurrency must be a positive integer, got ${arg('concurrency')}`);
  const repeat = Number(arg('repeat') ?? 1);
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat must be a positive integer, got ${arg('repeat')}`);
  const inMemory = process.argv.includes('--memory');
  const cores = os.availableParallelism();
  const threadSettings = [...new Set(arg('threads') ? arg('threads')!.split(',').map(Number) : [cfg.ort.intraOpThreads, ...Array.from({ length: cores }, (_, i) => i + 1)])];
  if (threadSettings.some((t) => !Number.isInteger(t) || t < 0)) throw new Error(`--threads must list non-negative integers, got ${arg('threads')}`);

  const tOpen = performance.now();
  const runtime = await ClapRuntime.open(await loadBundle(path.join(cfg.modelDir, cfg.modelName)), {
    provider: cfg.ort.executionProvider,
    intraOpThreads: cfg.ort.intraOpThreads,
    textCacheSize: 0,
  });
  const openMs = performance.now() - tOpen;
  const bundle = runtime.bundle;
  const replays: Replay[] = [];
  for (const threads of threadSettings) {
    replays.push({
      threads,
      runtime: threads === cfg.ort.intraOpThreads ? runtime : await ClapRuntime.open(bundle, { provider: cfg.ort.executionProvider, intraOpThreads: threads, textCacheSize: 0 }),
    });
  }
  const threadName = (t: number) => (t === 0 ? '0 (onnxruntime default)' : String(t));
  const where = cfg.databaseUrl ? 'postgres' : `pglite (${inMemory ? 'in memory' : 'temp data dir'})`;
  console.log(
    `bench:ingest on ${where}: ${path.relative(REPO_ROOT, library) || library}, model ${cfg.modelName}, concurrency ${concurrency}, audio batch ${cfg.ort.audioBatchSize}, ${repeat} repetition(s)`,
  );
  if (runtime.manifest.description?.startsWith('BENCHMARK ONLY')) console.log(`  ${runtime.manifest.description}`);
  const singleThreadedGc = process.execArgv.includes('--single-threaded-gc');
  console.log(`  V8 garbage collection: ${singleThreadedGc ? 'single-threaded (as `npm run ingest` runs)' : "with V8's helper threads (node's default)"}`);

  try {
    // One warm-up forward pass (full batch and single item) so neither measurement pays onnxruntime's first-run cost.
    const silence = clapFeatures(new Float32Array(48000), runtime.identity.featureMode);
    for (const r of replays) {
      await r.runtime.embedAudio(Array.from({ length: cfg.ort.audioBatchSize }, () => silence));
      await r.runtime.embedAudio([silence]);
    }
    console.log(
      `  model-only replays with intraOpThreads ${threadSettings.map(threadName).join(', ')} (the pipeline runs with ${threadName(cfg.ort.intraOpThreads)}); the fastest counts`,
    );

    const rssBefore = rssMb();
    const reps: (Measured & { backend: Store['backend'] })[] = [];
    for (let i = 0; i < repeat; i++) {
      if (repeat > 1) console.log(`repetition ${i + 1}/${repeat}`);
      const m = await measureOnce(cfg, runtime, replays, library, concurrency, inMemory, i === 0);
      reps.push(m);
      const each = Object.entries(m.modelMsByThreads)
        .map(([t, v]) => `${t}: ${r2(v / 1000)} s`)
        .join(', ');
      console.log(
        `  pipeline ${r2(m.wallMs / 1000)} s, model only at its best ${r2(m.modelMs / 1000)} s (intraOpThreads ${threadName(m.bestThreads)}; ${each}), ratio ${(m.modelMs / m.wallMs).toFixed(3)}` +
          ` (vs the pipeline's own setting: ${(m.pipelineSettingMs / m.wallMs).toFixed(3)}); load average ${os.loadavg()[0].toFixed(1)}`,
      );
    }
    const maxRssKernel = Math.round(process.resourceUsage().maxRSS / 1024); // KiB → MiB
    // Report the repetition with the median ratio; every repetition is in the JSON.
    const ratios = reps.map((m) => m.modelMs / m.wallMs);
    const pick = reps[ratios.indexOf(median(ratios))];
    const { wallMs, modelMs, timings, summary } = pick;
    const run = summary.run;
    const files = run.processedFiles + run.skippedFiles;

    // ---- report
    const wallS = wallMs / 1000;
    const modelS = modelMs / 1000;
    const audioS = run.audioSeconds;
    const stageSum = STAGES.reduce((a, s) => a + timings.ms[s], 0);
    const row = (ms: number): { ms: number; pctOfWall: number; pctOfStages: number | null } => ({
      ms: Math.round(ms),
      pctOfWall: r2((100 * ms) / wallMs),
      pctOfStages: r2((100 * ms) / stageSum),
    });
    const stages: Record<string, ReturnType<typeof row>> = Object.fromEntries(STAGES.map((s) => [s, row(timings.ms[s])]));
    // Scan, sniff, stat, peaks, queue hand-offs: only meaningful when the stages did not overlap (concurrency 1).
    if (wallMs > stageSum) stages['other (wall − stages)'] = { ...row(wallMs - stageSum), pctOfStages: null };
    const e2e = { files, audioSeconds: r2(audioS), wallS: r2(wallS), filesPerS: r2(files / wallS), audioSPerS: r2(audioS / wallS) };
    const modelOnly = { ...pick.replay, wallS: r2(modelS), filesPerS: r2(files / modelS), audioSPerS: r2(audioS / modelS) };
    const ratio = Math.round((modelS / wallS) * 1000) / 1000;
    const itemsInRun = timings.batches.reduce((a, b) => a + b, 0);

    console.log(`\nthroughput${repeat > 1 ? ' (the repetition with the median ratio)' : ''} (audioS/s = seconds of audio per wall-clock second)`);
    console.table({
      'end to end': e2e,
      'model only': { files, audioSeconds: r2(audioS), wallS: modelOnly.wallS, filesPerS: modelOnly.filesPerS, audioSPerS: modelOnly.audioSPerS },
    });
    console.log(
      `ratio pipeline / best model-only throughput: ${ratio} (model only fastest with intraOpThreads ${threadName(pick.bestThreads)}; issue 16's target ≥ 0.85)${repeat > 1 ? `; all repetitions: ${ratios.map((x) => x.toFixed(3)).join(', ')}` : ''}`,
    );
    console.log(
      `ratio against a replay at the pipeline's own setting (${threadName(cfg.ort.intraOpThreads)}), for comparison only: ${(pick.pipelineSettingMs / wallMs).toFixed(3)}`,
    );
    console.log(
      `audio tower: busy ${r2(pick.towerBusyMs / 1000)} s of the run's ${r2(wallS)} s (passes timed in its own thread; the same passes alone: ${r2(modelS)} s); ` +
        `${Math.round(pick.leadMs)} ms before its first pass (scan, first decode), ${Math.round(pick.tailMs)} ms after its last (last writes, statistics)`,
    );
    console.log(
      `\nstages inside the run (summed ms${concurrency > 1 ? `; ${concurrency} files at once overlap, and a stage's time includes waiting for the one JS thread, so % of wall adds up to more than 100: --concurrency 1 gives a clean split` : ''})`,
    );
    console.table(stages);
    console.log(`peak RSS ${pick.peakRssSampled} MB sampled, ${maxRssKernel} MB kernel maxRSS (before the runs ${rssBefore} MB)`);

    const cpus = os.cpus();
    const file = writeResult(`ingest-${pick.backend}${cfg.modelName === 'clap-mini' ? '' : `-${cfg.modelName}`}`, {
      measuredAt: new Date().toISOString(),
      backend: where,
      cpu: { model: cpus[0]?.model, cores: cpus.length },
      node: process.version,
      model: { ...runtime.identity, description: runtime.manifest.description },
      settings: {
        singleThreadedGc,
        concurrency,
        audioBatchSize: cfg.ort.audioBatchSize,
        intraOpThreads: cfg.ort.intraOpThreads,
        windowSec: cfg.ingest.windowSec,
        hopSec: cfg.ingest.hopSec,
        repeat,
      },
      library: path.relative(REPO_ROOT, library) || library,
      run: {
        processed: run.processedFiles,
        skipped: run.skippedFiles,
        failed: run.failedFiles,
        ignored: summary.ignoredFiles,
        embeddedFiles: pick.embedded,
        forwardPasses: timings.batches.length,
        segments: itemsInRun,
      },
      openModelS: r2(openMs / 1000),
      endToEnd: e2e,
      modelOnly,
      ratio,
      ratioDefinition: 'best model-only wall over the thread settings / pipeline wall',
      bestThreads: pick.bestThreads,
      ratioAtPipelineSetting: Math.round((pick.pipelineSettingMs / wallMs) * 1000) / 1000,
      ratios: ratios.map((x) => Math.round(x * 1000) / 1000),
      loadAverage: os.loadavg().map(r2),
      repetitions: reps.map((m) => ({
        wallS: r2(m.wallMs / 1000),
        filesPerS: r2((m.summary.run.processedFiles + m.summary.run.skippedFiles) / (m.wallMs / 1000)),
        modelOnlyS: r2(m.modelMs / 1000),
        bestThreads: m.bestThreads,
        modelOnlyByThreadsS: Object.fromEntries(Object.entries(m.modelMsByThreads).map(([t, v]) => [t, r2(v / 1000)])),
        ratio: Math.round((m.modelMs / m.wallMs) * 1000) / 1000,
        towerBusyS: r2(m.towerBusyMs / 1000),
        leadMs: Math.round(m.leadMs),
        tailMs: Math.round(m.tailMs),
      })),
      tower: { busyInRunS: r2(pick.towerBusyMs / 1000), beforeFirstPassMs: Math.round(pick.leadMs), afterLastPassMs: Math.round(pick.tailMs) },
      stages,
      stagesSumMs: Math.round(stageSum),
      memory: { rssBeforeMb: rssBefore, peakRssSampledMb: pick.peakRssSampled, maxRssKernelMb: maxRssKernel },
    });
    console.log(`wrote ${path.relative(REPO_ROOT, file)}`);
  } finally {
    for (const r of replays) if (r.runtime !== runtime) await r.runtime.close();
    await runtime.close();
  }
}

await main();
