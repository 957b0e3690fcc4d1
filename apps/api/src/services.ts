/**
 * The domain services, built once at start-up (createServices) by the API server, the CLI and the ingest worker:
 * library/, search/ and ingest/ functions bound to the store, the model's id, the ONNX runtime and the config, so
 * that callers hand on only what a request asks for. Arguments are what a client sends (a page size may be
 * absent or too large: it is checked here against config.limits); results are the domain's plain rows.
 * Nothing here decides anything the domain modules do not: each method is one domain call with its handles.
 */
import type { Config } from './config.js';
import { EarshotError } from './errors.js';
import * as ingest from './ingest/index.js';
import type { Jobs } from './jobs/index.js';
import * as library from './library/index.js';
import type { ClapRuntime } from './model/index.js';
import * as search from './search/index.js';
import { ensureModel, type Store } from './store/index.js';

export interface ServiceDeps {
  store: Store;
  runtime: ClapRuntime;
  config: Config;
  /** Query sounds uploaded with POST /upload: only the API server has them (similarTo / classify by `audio`). */
  uploads?: search.UploadRegistry;
  /** The product's version, reported by health. */
  version?: string;
  /** The API server's job runner: ingests, classifyLibrary, near-duplicates and re-embedding run as its jobs. */
  jobs?: Jobs;
}

/** A page size as a client gives it: absent means the field's default. */
type First = number | null | undefined;

export type Services = ReturnType<typeof bindServices>;

/** The services of one store and model (the model's row is created when it is new). */
export async function createServices(deps: ServiceDeps): Promise<Services> {
  const { id: modelId } = await ensureModel(deps.store, deps.runtime.identity);
  return bindServices(deps, modelId);
}

function bindServices(deps: ServiceDeps, modelId: number) {
  const { store, runtime, config } = deps;
  const limits = config.limits;
  const page = (first: First, dflt: number) => library.checkPageSize(first, limits.maxPageSize, dflt);
  const uploadVectors = (id: string) => {
    if (!deps.uploads) throw new EarshotError('NOT_FOUND', `no uploaded sound ${id}: uploads are held by the API server`, { subject: id });
    return deps.uploads.vectors(id);
  };
  const relevance = () => search.relevanceForSearch(store, modelId, runtime);
  const exportLists = () => search.exportLists({ store, modelId, runtime, limits });
  const ingestDeps: ingest.IngestDeps = { store, runtime, config, jobs: deps.jobs };
  const runner = () => {
    if (!deps.jobs) throw new EarshotError('NOT_FOUND', 'background jobs run in the API server', { subject: 'jobs' });
    return deps.jobs;
  };
  const requireJob = async (id: string | number) => {
    const job = await runner().get(search.intId(String(id), 'id'));
    if (!job) throw new EarshotError('NOT_FOUND', `no job with id ${id}`, { subject: String(id) });
    return job;
  };
  const db = ingest.ingestDb(store);
  /** Background ingest work this process started (a run's `finished`), so it is never an unowned promise. */
  const background = new Set<Promise<unknown>>();
  const own = (work: Promise<unknown>) => {
    const settled = work.catch(() => null);
    background.add(settled);
    void settled.finally(() => background.delete(settled));
  };

  const system = {
    health: async () => {
      const { clips, segments } = await library.librarySize(store, modelId);
      return { ok: true, backend: store.backend, clips, segments, version: deps.version ?? '0.0.0' };
    },
    model: () => ({ ...runtime.identity, source: runtime.manifest.source, isDemo: runtime.manifest.isDemo, promptTemplate: runtime.manifest.promptTemplate }),
  };

  const lib = {
    getClip: (id: string) => library.getClip(store, id),
    listClips: (a: { filter?: search.ClipFilter | null; first?: First; after?: string | null }) =>
      library.listClips(store, modelId, { filter: a.filter, first: page(a.first, 50), after: a.after }),
    listFolders: (prefix?: string | null) => library.listFolders(store, prefix),
    facets: () => library.facets(store),
    setClipTags: (id: string, tags: string[]) => library.setClipTags(store, id, tags, limits),
    editClipTags: (ids: string[], edit: { add?: string[] | null; remove?: string[] | null }) => library.editClipTags(store, ids, edit, { ...limits, maxIds: limits.maxPageSize }),
    deleteClip: (id: string) => library.deleteClip(store, id),
    /** The stored predictions of several contents and label sets by id: what the per-request loaders batch. */
    predictionsOfContents: (hashes: string[]) => library.predictionsOfContents(store, modelId, hashes),
    labelSetsByIds: (ids: number[]) => library.labelSetsByIds(store, ids),
    /** A result list as one file of at most EXPORT_MAX rows (GET /export streams longer ones: exportPages). */
    exportFile: async (source: library.ExportSource & { limit?: number | null }, format: library.ExportFormat) => {
      const limit = source.limit ?? 100;
      if (limit > library.EXPORT_MAX)
        throw new EarshotError('LIMIT_EXCEEDED', `limit ${limit} exceeds the export maximum ${library.EXPORT_MAX}; GET /export streams longer lists`, { subject: 'limit' });
      const rows: library.ExportRow[] = [];
      for await (const p of library.exportPages(exportLists(), source, limit, limits.maxPageSize)) rows.push(...p);
      return library.renderExport(rows, format, library.exportStem(source));
    },
    /** Every row of a result list, a page at a time (GET /export). */
    exportPages: (source: library.ExportSource, limit: number) => library.exportPages(exportLists(), source, limit, limits.maxPageSize),
  };

  const searchService = {
    byText: async (a: { query: string; filter?: search.ClipFilter | null; first?: First; after?: string | null; hybrid?: boolean | null; weak?: boolean | null }) =>
      search.searchByText(store, modelId, (t) => runtime.embedText(t), {
        query: a.query,
        filter: a.filter,
        first: page(a.first, 20),
        after: a.after,
        hybrid: a.hybrid ?? true,
        limits,
        relevance: await relevance(),
        unknownWords: (t) => runtime.unknownWords(t),
        weak: a.weak ?? false,
      }),
    similarTo: async (a: Omit<search.SimilarInput, 'first' | 'relevance'> & { first?: First }) =>
      search.similarTo(store, modelId, async (id) => (await uploadVectors(id))[0].embedding, { ...a, first: page(a.first, 20), relevance: await relevance() }),
    nearDuplicates: (a: { clip?: string | null; maxDistance?: number | null; first?: First }) =>
      search.nearDuplicates(store, modelId, { clip: a.clip, maxDistance: a.maxDistance ?? 0.02, first: page(a.first, 50) }),
    nearDuplicatesStatus: () => search.nearDuplicatesState(store, modelId),
    computeNearDuplicates: async () => requireJob((await search.computeNearDuplicates(runner())).id),
  };

  const classify = {
    classify: (a: search.ClassifyInput) => search.classify(store, modelId, runtime, uploadVectors, a, limits.maxLabels, limits),
    /** A job that classifies the library; returned at once (the unfinished one of the same set and filter, if any). */
    classifyLibrary: async (labelSet: string, filter?: search.ClipFilter | null) => requireJob((await search.startClassifyLibrary(runner(), labelSet, filter)).id),
    /** Files on disk, not in the library (the CLI's classify); stored embeddings are reused. */
    classifyFiles: (a: Omit<search.ClassifyFilesInput, 'maxLabels' | 'embed'>) =>
      search.classifyFiles(store, modelId, runtime, {
        ...a,
        maxLabels: limits.maxLabels,
        embed: { windowSec: config.ingest.windowSec, hopSec: config.ingest.hopSec, batchSize: config.ort.audioBatchSize, maxDurationSec: config.ingest.maxDurationSec },
      }),
    listLabelSets: () => library.listLabelSets(store),
    getLabelSet: (id: string) => library.getLabelSet(store, id),
    predictedLabels: (labelSet: string) => library.predictedLabels(store, modelId, labelSet),
    createLabelSet: (input: library.LabelSetInput) => library.createLabelSet(store, input, limits.maxLabels, limits),
    updateLabelSet: (id: string, input: library.LabelSetInput) => library.updateLabelSet(store, id, input, limits.maxLabels, limits),
    deleteLabelSet: (id: string) => library.deleteLabelSet(store, id),
  };

  const requireRun = async (id: string) => {
    const run = await ingest.getRun(db, search.intId(id, 'id'));
    if (!run) throw new EarshotError('NOT_FOUND', `no ingest run with id ${id}`, { subject: id });
    return run;
  };
  const ingestService = {
    roots: () => config.ingest.roots,
    runs: (first?: First) => ingest.listRuns(db, page(first, 20)),
    /** A run by id; null for an id that is not one (the run page polls ids from the URL). */
    run: (id: string) => (search.isId(Number(id)) ? ingest.getRun(db, Number(id)) : Promise.resolve(null)),
    /** The server's startIngest: a folder inside config.ingest.roots, run in the background; returns the run at once. */
    start: async (root: string, reindex: boolean) => {
      const { runId, finished } = await ingest.startIngest(ingestDeps, { root, reindex, concurrency: config.ingest.concurrency });
      own(finished);
      return requireRun(String(runId));
    },
    cancel: async (id: string) => {
      await requireRun(id);
      return ingest.cancelIngest({ store }, Number(id));
    },
    /** Runs a dead process left unfinished, resumed in the background (server start-up). */
    resume: async () => {
      const r = await ingest.resumeIngests(ingestDeps, { concurrency: config.ingest.concurrency });
      own(r.finished);
      return r.runIds;
    },
    /** The CLI's ingest (and npm start's demo library): any folder, in this process, until done. */
    runFolder: (p: Parameters<typeof ingest.runIngest>[1]) => ingest.runIngest(ingestDeps, p),
    /** `earshot worker`: serve the Postgres server's pg-boss queue until stopped. */
    startWorker: (opts: Parameters<typeof ingest.startWorker>[1]) => ingest.startWorker(ingestDeps, opts),
    failuresOfRuns: (runIds: number[], first: number) => ingest.failuresOfRuns(db, runIds, first),
    /** A run's failures list as asked for: up to 100 by default whatever the page-size setting (the cost limit bounds it). */
    failuresPage: (first: First) => library.checkPageSize(first, Math.max(limits.maxPageSize, 1000), 100),
  };

  const jobsService = {
    list: (a: { kind?: string | null; first?: First }) => runner().list({ first: page(a.first, 20), kind: a.kind }),
    /** A job by id; null for an id that is not one. */
    get: (id: string) => (search.isId(Number(id)) ? runner().get(Number(id)) : Promise.resolve(null)),
    cancel: async (id: string) => runner().cancel((await requireJob(id)).id),
    reembed: async () => requireJob((await ingest.startReembed(runner())).id),
    run: (runId: number) => ingest.getRun(db, runId),
  };

  return { modelId, system, library: lib, search: searchService, classify, ingest: ingestService, jobs: jobsService, background };
}
