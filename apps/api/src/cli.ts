#!/usr/bin/env -S npx tsx
/**
 * Command-line entry: parse, wire, run. Commands: ingest, worker, eval, classify, reembed.
 *   npm run ingest -- <folder> [--model NAME] [--concurrency N] [--reindex]
 *   npm run worker -- [--model NAME] [--concurrency N]
 *   npm run eval -- <folder with labels.csv> [--model NAME] [--json FILE]
 *   npm run classify -- <files or folders> --labels "a, b" | --label-set NAME [--csv | --json]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, loadConfig, type Config } from './config.js';
import { EarshotError, asEarshotError } from './errors.js';
import type { FileJob, FileOutcome } from './ingest/index.js';

const HELP: Record<string, string> = {
  main: `earshot <command> [options]

Commands:
  ingest <folder>   embed every audio file under a folder (resumable; re-run to pick up changes)
  worker            serve the shared ingest queue of a Postgres server (DATABASE_URL)
  eval <folder>     quality benchmark of a model on a labelled folder (labels.csv)
  classify <paths>  zero-shot classification of files or folders against labels, without a server
  reembed           re-embed the whole library with the active model (a resumable job)

Run \`earshot <command> --help\` for a command's options.`,
  ingest: `earshot ingest <folder> [--model NAME] [--concurrency N] [--reindex] [--verbose]

Scans <folder> recursively (hidden files skipped), sniffs each file's format by content,
hashes it (same bytes at two paths = one embedding, two clips), decodes, embeds the whole clip
and every window of long files, and stores each file in one transaction. Bad files are recorded
with an error code and listed at the end; the run goes on. A sub-folder that cannot be read
(FOLDER_UNREADABLE: its clips are kept) or a file still being written (FILE_CHANGED) is a failure too.
The CLI may ingest any folder; the API's startIngest only those inside EARSHOT_INGEST_ROOTS.
Killed or interrupted? Run the same command again: finished files are skipped.
On a Postgres server (DATABASE_URL) the work goes through a pg-boss queue that
\`earshot worker\` processes on other machines share.

Options:
  --model NAME       model bundle under EARSHOT_MODEL_DIR (default: EARSHOT_MODEL or clap-mini)
  --concurrency N    files in flight in this process (default: EARSHOT_INGEST_CONCURRENCY or cores + 1)
  --reindex          re-embed every file, even unchanged ones
  --verbose          print one line per file
  -h, --help         show this help`,
  reembed: `earshot reembed [--model NAME] [--concurrency N]

Re-embeds every clip of the library with the model (default EARSHOT_MODEL): one --reindex ingest of each folder
the library was ingested from, as a 'reembed' job. Killed or interrupted? Run it again: it resumes the job, the
folders already done stay done, and the folder it was in continues where its run stopped. Like \`ingest --reindex\`,
it also ingests new files in those folders and marks vanished ones missing.

Options:
  --model NAME       model bundle under EARSHOT_MODEL_DIR (default: EARSHOT_MODEL or clap-mini)
  --concurrency N    files in flight (default: EARSHOT_INGEST_CONCURRENCY or cores + 1)
  -h, --help         show this help`,
  worker: `earshot worker [--model NAME] [--concurrency N]

Processes ingest jobs from the pg-boss queue on the Postgres server named by DATABASE_URL,
alongside the \`ingest\` command and other workers; each file is embedded once. Prints one line
per file. Stops cleanly on SIGINT/SIGTERM (a job in hand is finished first).

Options:
  --model NAME       model this worker loads first (runs naming other models load them on demand)
  --concurrency N    jobs in flight in this process (default: EARSHOT_INGEST_CONCURRENCY or cores + 1)
  -h, --help         show this help`,
  classify: `earshot classify <files or folders>... (--labels "piano, guitar, violin" | --label-set NAME)
                 [--template T] [--multi-label] [--csv | --json] [--model NAME]

Classifies each audio file (folders are scanned recursively) against the labels and prints one line
per file: the best label (or "none of these" when the bundle's calibration finds no label present),
its calibrated presence, and every label's score. Files whose bytes are already in the library
(EARSHOT_DATA_DIR or DATABASE_URL) for this model reuse their stored embeddings, so the answers equal
the API's classify; other files are decoded and embedded here (nothing is stored). Bad files are
listed at the end with their error code; the run goes on.

Options:
  --labels LIST      comma-separated labels
  --label-set NAME   a saved label set (name or id), with its own prompt template and mode
  --template T       prompt template, "{}" = the label (default: "This is a sound of {}.")
  --multi-label      score each label on its own instead of a softmax over them
  --csv | --json     machine-readable output instead of the table
  --model NAME       model bundle under EARSHOT_MODEL_DIR (default: EARSHOT_MODEL or clap-mini)
  -h, --help         show this help`,
  eval: `earshot eval <folder> [--model NAME] [--json FILE] [--concurrency N]

Quality benchmark. <folder> holds audio files and a labels.csv whose header names the columns
file and label (caption and any other columns are allowed and ignored); file is relative to the
folder. The labelled files go through the real ingest pipeline and model into a throwaway
in-memory database (never your library, whatever DATABASE_URL says), then the product's own
search and classify answer, each figure printed beside the level a random answer reaches:
  zero-shot top-1 over the folder's labels (prompt from the bundle's manifest);
  text→audio P@5, P@10, mAP with each label as the query: vector only, hybrid, and hybrid with
    the file names hidden (so name matches don't flatter the keyword half);
  audio→audio same-label P@5 ("more like this" from each clip that has a same-label partner);
  classify's expected calibration error; the cutoff's precision/recall and the "none of these"
    rate print "—" until those features exist.
Writes every figure and a per-label breakdown as JSON.

Options:
  --model NAME       model bundle under EARSHOT_MODEL_DIR (default: EARSHOT_MODEL or clap-mini)
  --json FILE        where the JSON goes (default: bench/results/quality-<model>.json)
  --concurrency N    files in flight while ingesting (default: EARSHOT_INGEST_CONCURRENCY or cores + 1)
  -h, --help         show this help`,
};

function usage(cmd: string, msg: string): never {
  process.stderr.write(`${msg}\n\n${HELP[cmd] ?? HELP.main}\n`);
  process.exit(2);
}

function positiveInt(cmd: string, name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 64) usage(cmd, `--${name} must be an integer from 1 to 64, got ${JSON.stringify(v)}`);
  return n;
}

// Heavy modules (ONNX runtime, Prisma, PGlite) load only when a command runs, so --help and usage errors are instant.
async function openRuntime(cfg: Config, modelName: string, textCacheSize = 0) {
  const { openRuntime: open } = await import('./model/runtime.js');
  return open(cfg, { modelName, textCacheSize }); // 0 for ingest, which never embeds text
}

/**
 * The store, the model and the services over them, as the server builds them (services.ts); closing the store and
 * the runtime is the caller's. Nothing is left open when any of it fails.
 */
async function openServices(cfg: Config, textCacheSize: number) {
  const { openStore } = await import('./store/index.js');
  const { createServices } = await import('./services.js');
  const store = await openStore(cfg);
  try {
    const runtime = await openRuntime(cfg, cfg.modelName, textCacheSize);
    try {
      return { store, runtime, services: await createServices({ store, runtime, config: cfg }) };
    } catch (e) {
      await runtime.close();
      throw e;
    }
  } catch (e) {
    await store.close();
    throw e;
  }
}

const fileLine = (job: FileJob, o: FileOutcome) =>
  o.status === 'failed'
    ? `failed ${job.path} ${o.code}: ${o.message}`
    : o.status === 'done'
      ? `done ${job.path} embedded=${o.embedded} segments=${o.segments} hash=${o.contentHash}`
      : o.status === 'skipped'
        ? `skipped ${job.path} (${o.reason})`
        : `noop ${job.path}`;

async function ingestCommand(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      concurrency: { type: 'string' },
      reindex: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP.ingest + '\n');
    return 0;
  }
  if (positionals.length !== 1) usage('ingest', positionals.length === 0 ? 'missing <folder>' : `expected one folder, got ${positionals.length}`);
  const concurrency = positiveInt('ingest', 'concurrency', values.concurrency);
  const cfg = loadConfig();
  const modelName = values.model ?? cfg.modelName;
  const { checkRoot } = await import('./ingest/pipeline.js');
  await checkRoot(positionals[0]); // before the slow part: a typo fails in a second
  const { formatSummary, progressBar } = await import('./ingest/progress.js');
  const { store, runtime, services } = await openServices({ ...cfg, modelName }, 0);
  const bar = progressBar();
  try {
    const summary = await services.ingest.runFolder({
      root: positionals[0],
      reindex: values.reindex,
      concurrency,
      onProgress: (p) => bar.update(p),
      onFile: values.verbose ? (job, o) => process.stdout.write(fileLine(job, o) + '\n') : undefined,
    });
    bar.stop();
    process.stdout.write(formatSummary(summary) + '\n');
    return 0;
  } finally {
    bar.stop();
    await runtime.close();
    await store.close();
  }
}

async function evalCommand(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      json: { type: 'string' },
      concurrency: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP.eval + '\n');
    return 0;
  }
  if (positionals.length !== 1) usage('eval', positionals.length === 0 ? 'missing <folder>' : `expected one folder, got ${positionals.length}`);
  const concurrency = positiveInt('eval', 'concurrency', values.concurrency);
  const base = loadConfig();
  const cfg: Config = { ...base, ingest: { ...base.ingest, concurrency: concurrency ?? base.ingest.concurrency } };
  const modelName = values.model ?? cfg.modelName;
  const fs = await import('node:fs/promises');
  const { runEval, formatReport } = await import('./eval/index.js');
  const { progressBar } = await import('./ingest/progress.js');
  const bar = progressBar();
  try {
    const report = await runEval(cfg, { folder: positionals[0], modelName, openRuntime: (c, m) => openRuntime(c, m, 1000), onProgress: (p) => bar.update(p) });
    bar.stop();
    const out = path.resolve(values.json ?? path.join(REPO_ROOT, 'bench', 'results', `quality-${modelName}.json`));
    await fs.mkdir(path.dirname(out), { recursive: true });
    await fs.writeFile(out, JSON.stringify(report, null, 2) + '\n');
    process.stdout.write(formatReport(report) + `\n  JSON: ${out}\n`);
    return 0;
  } finally {
    bar.stop();
  }
}

async function classifyCommand(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      labels: { type: 'string' },
      'label-set': { type: 'string' },
      template: { type: 'string' },
      'multi-label': { type: 'boolean' },
      csv: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      model: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP.classify + '\n');
    return 0;
  }
  if (!positionals.length) usage('classify', 'missing <files or folders>');
  if (!values.labels === !values['label-set']) usage('classify', 'give exactly one of --labels or --label-set');
  if (values.csv && values.json) usage('classify', 'give at most one of --csv and --json');
  const cfg = loadConfig();
  const modelName = values.model ?? cfg.modelName;
  const { formatAnswers } = await import('./search/index.js');
  const { scanFolder } = await import('./ingest/index.js');
  const { store, runtime, services } = await openServices({ ...cfg, modelName }, 1000);
  try {
    const r = await services.classify.classifyFiles({
      paths: positionals,
      listFolder: async (dir) => (await scanFolder(dir)).files.map((f) => f.path),
      labels: values.labels ? values.labels.split(',').map((l) => l.trim()) : null,
      labelSet: values['label-set'] ?? null,
      template: values.template ?? null,
      multiLabel: values['multi-label'] ?? null,
    });
    process.stdout.write(formatAnswers(r, values.json ? 'json' : values.csv ? 'csv' : 'table') + '\n');
    return 0;
  } finally {
    await runtime.close();
    await store.close();
  }
}

async function workerCommand(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      concurrency: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP.worker + '\n');
    return 0;
  }
  const concurrency = positiveInt('worker', 'concurrency', values.concurrency);
  const cfg = loadConfig();
  if (!cfg.databaseUrl) {
    throw new EarshotError('CONFIG_INVALID', 'the worker needs a Postgres server: set DATABASE_URL (on embedded PGlite, `ingest` runs its queue in-process)', {
      subject: 'DATABASE_URL',
    });
  }
  const modelName = values.model ?? cfg.modelName;
  const { store, runtime, services } = await openServices({ ...cfg, modelName }, 0);
  const worker = await services.ingest.startWorker({ concurrency, onFile: (job, o) => process.stdout.write(`${process.pid} ${fileLine(job, o)}\n`) });
  process.stdout.write(`worker ${process.pid} ready (model ${runtime.identity.name})\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await worker.stop();
  await runtime.close();
  await store.close();
  return 0;
}

async function reembedCommand(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { model: { type: 'string' }, concurrency: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    process.stdout.write(HELP.reembed + '\n');
    return 0;
  }
  if (positionals.length) usage('reembed', `unexpected argument: ${positionals[0]}`);
  const concurrency = positiveInt('reembed', 'concurrency', values.concurrency);
  const cfg = loadConfig();
  const modelName = values.model ?? cfg.modelName;
  const { ensureModel, openStore } = await import('./store/index.js');
  const { reembedJob, startReembed } = await import('./ingest/index.js');
  const { Jobs, JOB_KINDS } = await import('./jobs/index.js');
  const store = await openStore(cfg);
  const runtime = await openRuntime(cfg, modelName).catch(async (e) => {
    await store.close();
    throw e;
  });
  const deps = { store, runtime, config: { ...cfg, modelName } };
  const { id: modelId } = await ensureModel(store, runtime.identity);
  // Only this kind: other unfinished jobs are left to the server.
  const jobs = new Jobs({ store, modelId, handlers: { [JOB_KINDS.reembed]: reembedJob(deps, { concurrency }) }, databaseUrl: cfg.databaseUrl });
  try {
    await jobs.start();
    const { id, joined } = await startReembed(jobs);
    process.stdout.write(`${joined ? 'resuming' : 'started'} reembed job ${id}\n`);
    const tick = setInterval(() => {
      void jobs.get(id).then((j) => j && process.stdout.write(`  ${j.processed}/${j.total} files, ${j.failed} failed\n`));
    }, 5_000);
    const end = await jobs.wait(id).finally(() => clearInterval(tick));
    process.stdout.write(`reembed job ${id} ${end.status}: ${end.processed} files re-embedded or unchanged, ${end.failed} failed${end.error ? ` (${end.error})` : ''}\n`);
    return end.status === 'done' ? 0 : 1;
  } finally {
    await jobs.close();
    await runtime.close();
    await store.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(HELP.main + '\n');
    return cmd ? 0 : 2;
  }
  try {
    if (cmd === 'ingest') return await ingestCommand(rest);
    if (cmd === 'worker') return await workerCommand(rest);
    if (cmd === 'eval') return await evalCommand(rest);
    if (cmd === 'classify') return await classifyCommand(rest);
    if (cmd === 'reembed') return await reembedCommand(rest);
  } catch (e) {
    if (e instanceof TypeError && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) usage(cmd, e.message);
    process.stderr.write(asEarshotError(e, 'INTERNAL').toLine() + '\n');
    return 1;
  }
  usage('main', `unknown command: ${cmd}`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(asEarshotError(e, 'INTERNAL').toLine() + '\n');
    process.exit(1);
  },
);
