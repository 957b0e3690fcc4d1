/**
 * Every repository function against a real database (in-memory PGlite, or a fresh server database with
 * DATABASE_URL), with the SQL each one sends written to repositories.sql beside this file: a change of a
 * query shows up as a diff of that file (vitest -u rewrites it). Rows are made by the repositories themselves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as repo from '../../apps/api/src/store/repositories/index.js';
import type { Db, Store } from '../../apps/api/src/store/index.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

const FACTS = {
  format: 'wav',
  container: 'wav',
  codec: 'pcm_s16le',
  bitDepth: 16,
  sampleRate: 48000,
  channels: 1,
  decoder: 'js',
  durationSec: 2.5,
  peaks: [0.25, 0.5],
  embedded: { title: 'Door slam' },
};
const NAMING = { description: 'Door slam', ucsCatId: 'DOORWood', ucsCategory: 'DOORS', ucsSubcategory: 'WOOD' };
const MTIME = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
const unit = (k: number) => Float32Array.from({ length: 512 }, (_, i) => (i === k ? 1 : 0));

/** Helpers that build or convert rather than run a statement. */
const NOT_STATEMENTS = new Set(['clipFilter', 'embeddedFilter', 'mapClip']);

describe('store repositories', () => {
  let t: TestStore;
  const log: { name: string; statements: string[] }[] = [];
  let current: string[] = [];
  let db: Db;
  /** Run one repository call, its statements filed under its name. */
  const call = async <T>(name: keyof typeof repo, fn: (db: Db) => Promise<T>): Promise<T> => {
    current = [];
    const out = await fn(db);
    log.push({ name, statements: current });
    return out;
  };

  beforeAll(async () => {
    t = await openTestStore();
    db = { sql: (text, params) => (current.push(text), t.store.sql(text, params)) };
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it('runs every statement of the repositories, each doing what it says', async () => {
    await call('ping', (d) => repo.ping(d));
    const { id: modelId } = await call('ensureModel', (d) => repo.ensureModel(d, { name: 'repo-test', version: 'v1', dim: 512, featureMode: 'fusion' }));
    expect(await call('modelById', (d) => repo.modelById(d, modelId))).toEqual({ name: 'repo-test', version: 'v1' });

    // Ingest: a run, its files, two clips (one content shared by two paths), their vectors.
    const runId = (await call('insertQueuedRun', (d) => repo.insertQueuedRun(d, { root: '/lib', modelId, reindex: false })))!;
    expect(await repo.insertQueuedRun(t.store, { root: '/lib', modelId, reindex: false })).toBeNull(); // one active run per folder
    expect(await call('activeRunFor', (d) => repo.activeRunFor(d, { root: '/lib', modelId, reindex: false }))).toBe(runId);
    await call('markRunScanning', (d) => repo.markRunScanning(d, runId));
    await call('insertFailedFiles', (d) => repo.insertFailedFiles(d, runId, [{ path: '/lib/bad.wav', code: 'AUDIO_DECODE_FAILED', message: 'not audio' }]));
    await call('insertPendingFiles', (d) => repo.insertPendingFiles(d, runId, ['/lib/a/one.wav', '/lib/a/two.wav', '/lib/b/three.wav']));
    expect(await call('runMode', (d) => repo.runMode(d, runId))).toEqual({ modelId, reindex: false });
    for (const [i, p] of ['/lib/a/one.wav', '/lib/a/two.wav', '/lib/b/three.wav'].entries()) {
      const name = p.slice(p.lastIndexOf('/') + 1);
      await call('upsertClip', (d) =>
        repo.upsertClip(d, {
          path: p,
          folder: p.slice(0, p.lastIndexOf('/') + 1),
          name,
          contentHash: i < 2 ? 'h-ab' : 'h-c',
          sizeBytes: 1000 + i,
          mtimeMs: MTIME,
          facts: FACTS,
          naming: NAMING,
        }),
      );
    }
    await call('replaceSegments', (d) =>
      repo.replaceSegments(d, 'h-ab', modelId, [
        { kind: 'clip', startSec: 0, endSec: 2.5, embedding: unit(0) },
        { kind: 'window', startSec: 0, endSec: 2, embedding: unit(1) },
      ]),
    );
    await repo.replaceSegments(t.store, 'h-c', modelId, [{ kind: 'clip', startSec: 0, endSec: 2.5, embedding: unit(2) }]);
    await call('skipUnchangedFiles', (d) => repo.skipUnchangedFiles(d, runId, modelId, [{ path: '/lib/a/one.wav', size: 1000, mtimeMs: MTIME }]));
    expect(await call('markUnfoundMissing', (d) => repo.markUnfoundMissing(d, '/lib/', ['/lib/a/one.wav', '/lib/a/two.wav'], ['/lib/c/']))).toBe(1);
    await call('markRunRunning', (d) => repo.markRunRunning(d, runId, 1));
    expect(await call('pendingRunFiles', (d) => repo.pendingRunFiles(d, runId))).toHaveLength(2);
    const [two] = await repo.pendingRunFiles(t.store, runId);
    expect(await call('fileAndRunStatus', (d) => repo.fileAndRunStatus(d, two.id))).toEqual({ status: 'pending', runStatus: 'running' });
    await call('markFileSettled', (d) => repo.markFileSettled(d, two.id, 'done', 'h-ab', 2.5));
    expect(await call('countDoneWithContent', (d) => repo.countDoneWithContent(d, runId, 'h-ab', 0))).toBe(1);
    const [three] = await repo.pendingRunFiles(t.store, runId);
    await call('markFileFailedRow', (d) => repo.markFileFailedRow(d, three.id, { code: 'FILE_CHANGED', message: 'moved' }, true));
    expect(await call('runFileCounts', (d) => repo.runFileCounts(d, runId))).toEqual({ done: { n: 1, secs: 2.5 }, skipped: { n: 1, secs: 2.5 }, failed: { n: 2, secs: 0 } });
    expect(await call('storeRunCounters', (d) => repo.storeRunCounters(d, runId, { total: 4, processed: 1, skipped: 1, failed: 2, audioSeconds: 2.5 }))).toMatchObject({
      totalFiles: 4,
      missingFiles: 1,
      status: 'running',
    });
    expect(await call('countRunFiles', (d) => repo.countRunFiles(d, runId))).toBe(4);
    expect((await call('runFailures', (d) => repo.runFailures(d, runId, 10))).map((f) => f.code).sort()).toEqual(['AUDIO_DECODE_FAILED', 'FILE_CHANGED']);
    const firstFailures = await call('failuresOfRuns', (d) => repo.failuresOfRuns(d, [runId, 99999], 1));
    expect([firstFailures.get(runId)?.length, firstFailures.get(99999)]).toEqual([1, []]);
    expect(firstFailures.get(runId)).toEqual(await repo.runFailures(t.store, runId, 1));
    expect(await call('finishRunIfNothingPending', (d) => repo.finishRunIfNothingPending(d, runId))).toBe(true);
    await call('analyzeSearchTables', (d) => repo.analyzeSearchTables(d));
    const run2 = (await repo.insertQueuedRun(t.store, { root: '/lib/a', modelId, reindex: true }))!;
    expect(await call('activeRunIds', (d) => repo.activeRunIds(d, modelId))).toEqual([run2]);
    await call('endRun', (d) => repo.endRun(d, run2, 'cancelled'));
    expect((await call('runById', (d) => repo.runById(d, run2)))?.status).toBe('cancelled');
    expect((await call('latestRuns', (d) => repo.latestRuns(d, 5))).map((r) => r.id)).toEqual([run2, runId]);
    expect((await call('ingestedRoots', (d) => repo.ingestedRoots(d))).sort()).toEqual(['/lib', '/lib/a']);
    expect(await call('innermostRootOf', (d) => repo.innermostRootOf(d, '/lib/a/one.wav'))).toBe('/lib/a');

    // Reading clips back.
    const one = (await call('unchangedClip', (d) => repo.unchangedClip(d, { path: '/lib/a/one.wav', sizeBytes: 1000, mtimeMs: MTIME, modelId })))!;
    expect(one).toMatchObject({ contentHash: 'h-ab', durationSec: 2.5 });
    expect(await call('clipById', (d) => repo.clipById(d, one.id))).toMatchObject({
      name: 'one.wav',
      mtime: new Date(MTIME),
      embedded: { title: 'Door slam' },
      ucs: { catId: 'DOORWood', category: 'DOORS', subcategory: 'WOOD' },
    });
    expect((await call('clipsByIds', (d) => repo.clipsByIds(d, [one.id, 99999]))).size).toBe(1);
    const filter = { formats: ['WAV'], minDurationSec: 1, folderPrefix: '/lib/' };
    const page = await call('clipsInPathOrder', (d) => repo.clipsInPathOrder(d, modelId, { filter, after: { path: '/lib/a/one.wav', id: one.id }, limit: 10 }));
    expect(page.map((c) => c.name)).toEqual(['two.wav']);
    expect(await call('countClips', (d) => repo.countClips(d, modelId, filter))).toBe(2);
    expect(await call('countEmbeddedClips', (d) => repo.countEmbeddedClips(d, modelId, filter, one.id))).toBe(1);
    expect(await call('activeClipsPerFolder', (d) => repo.activeClipsPerFolder(d))).toEqual([{ folder: '/lib/a/', clips: 2 }]);
    await call('setTags', (d) => repo.setTags(d, one.id, ['door', 'wood']));
    expect(await call('clipFacets', (d) => repo.clipFacets(d))).toEqual({
      formats: ['wav'],
      containers: ['wav'],
      codecs: ['pcm_s16le'],
      ucsCategories: ['DOORS'],
      bitDepths: [16],
      sampleRates: [48000],
      channels: [1],
      tags: ['door', 'wood'],
      minDurationSec: 2.5,
      maxDurationSec: 2.5,
    });
    expect(await call('embeddedContents', (d) => repo.embeddedContents(d, modelId))).toEqual(['h-ab']);
    expect(await call('twinFacts', (d) => repo.twinFacts(d, 'h-ab'))).toEqual(FACTS);
    expect(await call('lockClipAtPath', (d) => repo.lockClipAtPath(d, '/lib/a/one.wav'))).toEqual({ contentHash: 'h-ab' });
    await call('reactivateClip', (d) => repo.reactivateClip(d, one.id));
    expect(await call('hasClipVector', (d) => repo.hasClipVector(d, 'h-ab', modelId))).toBe(true);
    expect((await call('segmentsOf', (d) => repo.segmentsOf(d, modelId, 'h-ab'))).map((s) => [s.kind, s.embedding.indexOf(1)])).toEqual([
      ['clip', 0],
      ['window', 1],
    ]);
    expect((await call('clipVectors', (d) => repo.clipVectors(d, modelId, ['h-ab', 'h-c']))).length).toBe(2);
    expect(await call('librarySize', (d) => repo.librarySize(d, modelId))).toEqual({ clips: 2, segments: 3 });

    // Ranking: KNN over segments, the keyword half, near-duplicates (active clips: one and two, sharing h-ab).
    const knn = await call('nearestSegments', (d) => repo.nearestSegments(d, { modelId, q: unit(1), filter: null, limit: 5 }));
    expect(knn.map((h) => [h.startSec, h.endSec, Math.round(h.sim)])).toEqual([
      [0, 2, 1],
      [0, 2, 1],
      [0, 2.5, 0],
      [0, 2.5, 0],
    ]);
    const ids = [...new Set(knn.map((h) => h.clipId))].sort((a, b) => a - b);
    expect(await call('filteredSegmentCount', (d) => repo.filteredSegmentCount(d, { modelId, filter: { folderPrefix: '/lib/a/' }, excludeClipId: ids[1], limit: 10 }))).toBe(2);
    expect((await call('nearestSegmentsExact', (d) => repo.nearestSegmentsExact(d, { modelId, q: unit(0), filter: { folderPrefix: '/lib/a/' }, limit: 1 })))[0].sim).toBeCloseTo(
      1,
      6,
    );
    expect((await call('sampleClipVectors', (d) => repo.sampleClipVectors(d, modelId, 5))).map((r) => r.clipId).sort((a, b) => a - b)).toEqual(ids);
    expect(await call('markedClipCount', (d) => repo.markedClipCount(d))).toBe(3);
    expect(await call('clipTableEstimate', (d) => repo.clipTableEstimate(d))).toMatch(/:/);
    expect((await call('keywordStatistics', (d) => repo.keywordStatistics(d))).freq).toBeInstanceOf(Map);
    expect(await call('wordStems', (d) => repo.wordStems(d, ['doors', 'the'], { filter: null, modelId, cap: 10 }))).toEqual([{ word: 'doors', lex: 'door', n: 2 }]);
    expect(await call('wordStems', (d) => repo.wordStems(d, ['the', 'doors']))).toEqual([{ word: 'doors', lex: 'door', n: null }]);
    expect(await call('wordStemsAndStatsKey', (d) => repo.wordStemsAndStatsKey(d, ['the', 'doors']))).toEqual({
      stems: [{ word: 'doors', lex: 'door', n: null }],
      statsKey: await repo.clipTableEstimate(t.store),
    });
    expect(await call('lexemesPresent', (d) => repo.lexemesPresent(d, ['door', 'zebra'], null, modelId))).toEqual(['door']);
    // Tiers in order (the first takes "one" but not "two"), the best segment against q of each hit.
    const kwHits = (d: Db, q?: Float32Array, max = 10) =>
      repo.keywordHits(d, {
        tiers: [
          { match: 'one | two', not: 'two' },
          { match: 'two', not: null },
        ],
        lexemes: ['two', 'one'],
        filter: null,
        modelId,
        max,
        need: 5,
        q,
      });
    expect((await call('keywordHits', (d) => kwHits(d, unit(1)))).map((r) => [r.id, r.matched, r.best?.endSec, Math.round(r.best?.sim ?? -1)])).toEqual([
      [ids[0], ['one'], 2, 1],
      [ids[1], ['two'], 2, 1],
    ]);
    expect((await kwHits(t.store, undefined, 1)).map((r) => [r.id, r.best])).toEqual([[ids[0], null]]);
    // Its statements run in a transaction of the store: filed through a store whose transactions log them.
    const logging: Pick<Store, 'tx'> = { tx: (fn, o) => t.store.tx((h) => fn({ ...h, sql: (text, p) => (current.push(text), h.sql(text, p)) }), o) };
    expect(await call('withIndexScans', () => repo.withIndexScans(logging, (x) => repo.lexemesPresent(x, ['slam'], null, modelId)))).toEqual(['slam']);
    expect(await call('nearContentPairsOf', (d) => repo.nearContentPairsOf(d, modelId, ['h-ab'], 2, 4))).toEqual([{ ha: 'h-ab', hb: 'h-c', d: 1 }]);
    expect(await call('embeddedContentPage', (d) => repo.embeddedContentPage(d, modelId, { after: null, limit: 1 }))).toEqual([{ h: 'h-ab', clips: 2 }]);
    expect(await repo.embeddedContentPage(t.store, modelId, { after: 'h-ab', limit: 5 })).not.toContainEqual(expect.objectContaining({ h: 'h-ab' }));
    expect(await call('lastEmbeddingChange', (d) => repo.lastEmbeddingChange(d, modelId))).toBeInstanceOf(Date); // the run above embedded a file

    // The vector index: read, rebuilt beside itself with other settings, swapped in.
    expect(await call('vectorIndexInfo', (d) => repo.vectorIndexInfo(d))).toMatchObject({ m: 16, efConstruction: 64, valid: true });
    expect(await call('segmentRowCount', (d) => repo.segmentRowCount(d))).toBe(3);
    await call('dropNewVectorIndex', (d) => repo.dropNewVectorIndex(d));
    await call('buildNewVectorIndex', (d) => repo.buildNewVectorIndex(d, { m: 8, efConstruction: 32 }));
    expect(await call('vectorIndexBuildProgress', (d) => repo.vectorIndexBuildProgress(d))).toBeNull(); // no build running now
    await call('swapInNewVectorIndex', (d) => repo.swapInNewVectorIndex(d));
    expect(await repo.vectorIndexInfo(t.store)).toMatchObject({ m: 8, efConstruction: 32 });
    expect(await repo.vectorIndexInfo(t.store, repo.NEW_VECTOR_INDEX)).toBeNull();

    // Jobs: one unfinished job per key, claimed once, progress, the end; the near-duplicate pairs stored under one.
    const jobId = (await call('insertJob', (d) => repo.insertJob(d, { kind: 'nearDuplicates', key: 'nd:1', modelId, payload: { a: 1 } })))!;
    expect(await repo.insertJob(t.store, { kind: 'nearDuplicates', key: 'nd:1', modelId, payload: {} })).toBeNull();
    expect(await call('unfinishedJobByKey', (d) => repo.unfinishedJobByKey(d, 'nd:1'))).toBe(jobId);
    expect(await call('claimJob', (d) => repo.claimJob(d, jobId, 30))).toMatchObject({ id: jobId, status: 'running', payload: { a: 1 } });
    expect(await repo.claimJob(t.store, jobId, 30)).toBeNull(); // running with a fresh heartbeat: not taken twice
    expect(await call('storeJobProgress', (d) => repo.storeJobProgress(d, jobId, { total: 3, processed: 2, cursor: 'h-ab' }))).toMatchObject({
      total: 3,
      processed: 2,
      cursor: 'h-ab',
    });
    expect(await call('unfinishedJobs', (d) => repo.unfinishedJobs(d, modelId))).toEqual([{ id: jobId, kind: 'nearDuplicates' }]);
    await call('insertNearPairs', (d) => repo.insertNearPairs(d, jobId, modelId, [{ ha: 'h-ab', hb: 'h-c', d: 0.5 }]));
    await repo.insertNearPairs(t.store, jobId, modelId, [{ ha: 'h-ab', hb: 'h-c', d: 0.5 }]); // stored once
    expect(await call('nearPairsWithin', (d) => repo.nearPairsWithin(d, jobId, 0.6))).toEqual([{ ha: 'h-ab', hb: 'h-c', d: 0.5 }]);
    expect(await repo.nearPairsWithin(t.store, jobId, 0.4)).toEqual([]);
    expect(await call('endJob', (d) => repo.endJob(d, jobId, 'done'))).toBe(true);
    expect(await repo.endJob(t.store, jobId, 'cancelled')).toBe(false); // a done job stays done
    expect(await call('newestJobOf', (d) => repo.newestJobOf(d, 'nearDuplicates', modelId, ['done']))).toMatchObject({ id: jobId, status: 'done' });
    expect((await call('jobById', (d) => repo.jobById(d, jobId)))?.finishedAt).toBeInstanceOf(Date);
    expect((await call('latestJobs', (d) => repo.latestJobs(d, { first: 5, kind: 'nearDuplicates' }))).map((j) => j.id)).toEqual([jobId]);
    await call('deleteNearPairsExcept', (d) => repo.deleteNearPairsExcept(d, modelId, jobId));
    expect(await repo.nearPairsWithin(t.store, jobId, 1)).toHaveLength(1);
    expect((await call('activeClipsOfContents', (d) => repo.activeClipsOfContents(d, ['h-ab']))).map((r) => r.id).sort((a, b) => a - b)).toEqual(ids);
    expect(await call('clipsNear', (d) => repo.clipsNear(d, modelId, unit(0), ids[0], 2, 5))).toEqual([{ a: ids[0], b: ids[1], d: 0 }]);

    // Label sets and predictions.
    const set = await call('insertLabelSet', (d) => repo.insertLabelSet(d, { name: 'doors', labels: ['door', 'window'], template: 'a {}', multiLabel: false }));
    expect(await call('labelSetNameTaken', (d) => repo.labelSetNameTaken(d, 'doors'))).toBe(true);
    await call('upsertPredictions', (d) => repo.upsertPredictions(d, set.id, modelId, [{ contentHash: 'h-ab', label: 'door', score: 0.9, scores: [0.9, 0.1] }]));
    expect(await call('labelCounts', (d) => repo.labelCounts(d, modelId, set.id))).toEqual([{ label: 'door', count: 2 }]);
    expect((await call('predictionsOf', (d) => repo.predictionsOf(d, modelId, ['h-ab', 'h-c']))).get('h-ab')).toEqual([{ labelSetId: set.id, label: 'door', score: 0.9 }]);
    expect((await call('updateLabelSetRow', (d) => repo.updateLabelSetRow(d, set.id, { name: 'doors', labels: ['door'], template: 'a {}', multiLabel: true }))).multiLabel).toBe(
      true,
    );
    await call('deletePredictionsOfSet', (d) => repo.deletePredictionsOfSet(d, set.id));
    expect((await call('allLabelSets', (d) => repo.allLabelSets(d))).map((s) => s.name)).toEqual(['doors']);
    expect((await call('labelSetById', (d) => repo.labelSetById(d, set.id)))?.labels).toEqual(['door']);
    expect((await call('labelSetsByIds', (d) => repo.labelSetsByIds(d, [set.id]))).get(set.id)?.name).toBe('doors');
    await call('deleteLabelSetRow', (d) => repo.deleteLabelSetRow(d, set.id));

    // Deleting: the shared content keeps its vectors until its last clip goes.
    await call('deleteClipRow', (d) => repo.deleteClipRow(d, { id: one.id, contentHash: 'h-ab' }));
    expect(await repo.hasClipVector(t.store, 'h-ab', modelId)).toBe(true);
    // A missing clip is still a clip: its content keeps its vectors.
    await call('dropOrphanContent', (d) => repo.dropOrphanContent(d, 'h-c'));
    expect(await repo.hasClipVector(t.store, 'h-c', modelId)).toBe(true);
    await repo.deleteClipRow(t.store, { id: (await repo.clipsInPathOrder(t.store, modelId, { filter: { status: 'MISSING' }, limit: 1 }))[0].id, contentHash: 'h-c' });
    expect(await repo.hasClipVector(t.store, 'h-c', modelId)).toBe(false);
  });

  it('the SQL they send is the reviewed text of repositories.sql', async () => {
    const statements = (Object.keys(repo) as (keyof typeof repo)[]).filter((k) => typeof repo[k] === 'function' && !NOT_STATEMENTS.has(k));
    expect(
      statements.filter((k) => !log.some((l) => l.name === k)),
      'repository functions the first test does not run',
    ).toEqual([]);
    const seen = new Set<string>();
    const text = log
      .filter((l) => !seen.has(l.name) && seen.add(l.name))
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((l) => `-- ${l.name}\n${l.statements.map((s) => `${s.replace(/\s+\n/g, '\n')};`).join('\n')}`)
      .join('\n\n');
    const filter = repo.clipFilter(
      {
        minDurationSec: 1,
        maxDurationSec: 9,
        formats: ['wav'],
        containers: ['wav'],
        codecs: ['flac'],
        bitDepths: [24],
        ucsCategories: ['AMB'],
        sampleRates: [48000],
        channels: [2],
        folderPrefix: '/x/',
        tags: ['t'],
        predictedLabel: { labelSet: 1, label: 'door', minScore: 0.5 },
      },
      1,
    );
    const { qb } = await import('../../apps/api/src/store/query.js');
    await expect(`${text}\n\n-- clipFilter (every condition)\n${filter.compile(qb).sql};\n`).toMatchFileSnapshot('./repositories.sql');
  });
});
