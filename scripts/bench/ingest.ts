/**
 * npm run bench:ingest [-- --library demo/library --concurrency 2 --memory]
 * End-to-end ingest throughput of the real pipeline (runIngest: scan, hash, decode, resample,
 * features, batched audio tower, one transaction per file) over the demo library into a fresh
 * store with the configured model (clap-mini by default), beside the model alone on the same
 * batches: the files the run embedded are decoded again and cut into exactly the feature batches
 * the run's audio tower saw (same sizes, same order of items as far as one process can tell), and
 * only ClapRuntime.embedAudio is timed, the forward passes back to back. ratio = model-only wall /
 * pipeline wall (1.0: the pipeline adds nothing over the model; the issue's target is ≥ 0.9).
 * Stage times (decode, resample, features, model, hash, database) are measured inside the run
 * through ExecuteOptions.timings; stages overlap (concurrent files, onnxruntime's own threads), so
 * their sum can exceed the wall time. Peak RSS: rss sampled every 100 ms and the kernel's maxRSS.
 * Store: PGlite in a fresh temp data dir (--memory: in memory); with DATABASE_URL a fresh database
 * on that server (files go through pg-boss, as in production), dropped after.
 * Writes bench/results/ingest-<backend>.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeFile } from '../../apps/api/src/audio/index.js';
import { loadConfig } from '../../apps/api/src/config.js';
import { clapFeatures, type ClapFeatures } from '../../apps/api/src/features/index.js';
import { embedSamples, type AudioEmbedder } from '../../apps/api/src/ingest/embed.js';
import { newStageTimings, runIngest, STAGES } from '../../apps/api/src/ingest/index.js';
import { ClapRuntime, loadBundle } from '../../apps/api/src/model/index.js';
import { openStore } from '../../apps/api/src/store/index.js';
import { createTestDatabase } from '../../test/helpers/store.js';
import { arg, r2, REPO_ROOT, rssMb, writeResult } from './common.js';

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

async function main() {
  const cfg = loadConfig();
  const library = path.resolve(REPO_ROOT, arg('library') ?? 'demo/library');
  const concurrency = Number(arg('concurrency') ?? cfg.ingest.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`--concurrency must be a positive integer, got ${arg('concurrency')}`);
  const inMemory = process.argv.includes('--memory');

  let databaseUrl: string | undefined;
  let drop: (() => Promise<void>) | undefined;
  let tmp: string | undefined;
  let dataDir = ':memory:';
  if (cfg.databaseUrl) {
    const db = await createTestDatabase(cfg.databaseUrl);
    databaseUrl = db.url;
    drop = db.drop;
  } else if (!inMemory) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'earshot-bench-ingest-'));
    dataDir = tmp;
  }
  const tOpen = performance.now();
  const store = await openStore({ dataDir, databaseUrl });
  const runtime = await ClapRuntime.open(await loadBundle(path.join(cfg.modelDir, cfg.modelName)), {
    provider: cfg.ort.executionProvider,
    intraOpThreads: cfg.ort.intraOpThreads,
    textCacheSize: 0,
  });
  const openMs = performance.now() - tOpen;
  const backend = store.backend === 'pglite' ? `pglite (${inMemory ? 'in memory' : 'temp data dir'})` : 'postgres';
  console.log(`bench:ingest on ${backend}: ${path.relative(REPO_ROOT, library) || library}, model ${cfg.modelName}, concurrency ${concurrency}, audio batch ${cfg.ort.audioBatchSize}`);

  try {
    // One warm-up forward pass (full batch and single item) so neither measurement pays onnxruntime's first-run cost.
    const silence = clapFeatures(new Float32Array(48000), runtime.identity.featureMode);
    await runtime.embedAudio(Array.from({ length: cfg.ort.audioBatchSize }, () => silence));
    await runtime.embedAudio([silence]);

    // ---- end to end: the real pipeline
    const timings = newStageTimings();
    const embedded: string[] = []; // files the run sent to the audio tower, in the order they finished
    const rssBefore = rssMb();
    const sampler = rssSampler();
    let lastLine = 0;
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
          if (Date.now() - lastLine < 2000) return;
          lastLine = Date.now();
          process.stdout.write(`  ${p.session.handled}/${p.run.totalFiles} files, ${r2(p.session.filesPerSec)} files/s\n`);
        },
      },
    );
    const wallMs = performance.now() - t0;
    const peakRssSampled = sampler.stop();
    const maxRssKernel = Math.round(process.resourceUsage().maxRSS / 1024); // KiB → MiB
    const run = summary.run;
    const files = run.processedFiles + run.skippedFiles;
    if (run.failedFiles > 0) console.log(`  ${run.failedFiles} file(s) failed:`, summary.failures.slice(0, 5));

    // ---- model only: the same batches, nothing but forward passes
    // Features are made first, then the batches run back to back: a forward pass right after a burst
    // of decoding is several times slower (cold caches, onnxruntime's threads asleep), and that cost
    // belongs to the pipeline, not to the model. At most REPLAY_ITEMS features (1 MB each) are held.
    const REPLAY_ITEMS = 256;
    const collector = new FeatureCollector(runtime.identity);
    let next = 0; // index into timings.batches
    let modelMs = 0;
    let items = 0;
    for (let f = 0; f < embedded.length; f++) {
      const d = await decodeFile(embedded[f]!, { maxDurationSec: cfg.ingest.maxDurationSec });
      await embedSamples(collector, d.samples, d.meta.durationSec, {
        sampleRate: 48000,
        windowSec: cfg.ingest.windowSec,
        hopSec: cfg.ingest.hopSec,
        batchSize: cfg.ort.audioBatchSize,
      });
      if (collector.items.length < REPLAY_ITEMS && f < embedded.length - 1) continue;
      while (next < timings.batches.length && collector.items.length >= timings.batches[next]!) {
        const batch = collector.items.splice(0, timings.batches[next++]!);
        const t = performance.now();
        await runtime.embedAudio(batch);
        modelMs += performance.now() - t;
        items += batch.length;
      }
    }
    const itemsInRun = timings.batches.reduce((a, b) => a + b, 0);
    if (next !== timings.batches.length || collector.items.length > 0) {
      console.log(`  note: replay ran ${next}/${timings.batches.length} batches, ${collector.items.length} item(s) left over (the run embedded ${itemsInRun} items)`);
    }

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
    const modelOnly = { batches: next, items, wallS: r2(modelS), filesPerS: r2(files / modelS), audioSPerS: r2(audioS / modelS) };
    const ratio = Math.round((modelS / wallS) * 1000) / 1000;

    console.log('\nthroughput (audioS/s = seconds of audio per wall-clock second)');
    console.table({ 'end to end': e2e, 'model only': { files, audioSeconds: r2(audioS), wallS: modelOnly.wallS, filesPerS: modelOnly.filesPerS, audioSPerS: modelOnly.audioSPerS } });
    console.log(`ratio pipeline / model-only throughput: ${ratio} (target ≥ 0.9)`);
    console.log(
      `\nstages inside the run (summed ms${concurrency > 1 ? `; ${concurrency} files at once overlap, and a stage's time includes waiting for the one JS thread, so % of wall adds up to more than 100: --concurrency 1 gives a clean split` : ''})`,
    );
    console.table(stages);
    console.log(`peak RSS ${peakRssSampled} MB sampled, ${maxRssKernel} MB kernel maxRSS (before the run ${rssBefore} MB)`);

    const cpus = os.cpus();
    const file = writeResult(`ingest-${store.backend}`, {
      measuredAt: new Date().toISOString(),
      backend,
      cpu: { model: cpus[0]?.model, cores: cpus.length },
      node: process.version,
      model: runtime.identity,
      settings: { concurrency, audioBatchSize: cfg.ort.audioBatchSize, intraOpThreads: cfg.ort.intraOpThreads, windowSec: cfg.ingest.windowSec, hopSec: cfg.ingest.hopSec },
      library: path.relative(REPO_ROOT, library) || library,
      run: { processed: run.processedFiles, skipped: run.skippedFiles, failed: run.failedFiles, ignored: summary.ignoredFiles, embeddedFiles: embedded.length, forwardPasses: timings.batches.length, segments: itemsInRun },
      openStoreAndModelS: r2(openMs / 1000),
      endToEnd: e2e,
      modelOnly,
      ratio,
      stages,
      stagesSumMs: Math.round(stageSum),
      memory: { rssBeforeMb: rssBefore, peakRssSampledMb: peakRssSampled, maxRssKernelMb: maxRssKernel },
    });
    console.log(`wrote ${path.relative(REPO_ROOT, file)}`);
  } finally {
    await runtime.close();
    await store.close();
    await drop?.();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
