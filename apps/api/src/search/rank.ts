/**
 * Ranked retrieval: vector KNN over segments (best window per clip), full-text keyword ranking,
 * reciprocal rank fusion, keyset cursors, near-duplicates.
 */
import { EarshotError } from '../errors.js';
import { clipVectors, type Store } from '../store/index.js';
import * as repo from '../store/repositories/ranking.js';
import { countEmbedded, decodeCursor, recentCount, encodeCursor, getClips, requireClip, type ClipRow } from './clips.js';
import type { ClipFilter } from './filters.js';
import { cosineAt } from '../model/calibration.js';
import { relevanceFor, relevanceOf, type Curve, type Relevance, type RelevanceRuntime } from './relevance.js';
import { checkText, DEFAULT_TEXT_LIMITS, words, type TextLimits } from './text.js';

/** RRF constant (Cormack et al.): fused score = Σ 1 / (k + rank). */
export const RRF_K = 60;
/**
 * Hybrid's score is the RRF sum scaled so that ranking first in both lists gives 1 (and first in one
 * list only ~0.5): the same order as the raw sum, on a scale a person can read beside a cosine.
 */
export const RRF_SCALE = (RRF_K + 1) / 2;
export const fusedScore = (vectorRank: number | null, keywordRank: number | null): number =>
  RRF_SCALE * ((vectorRank ? 1 / (RRF_K + vectorRank) : 0) + (keywordRank ? 1 / (RRF_K + keywordRank) : 0));

/**
 * What a hit's `score` is: the one value the list is ordered by and the one to show. RELEVANCE (what
 * the API serves): the calibrated probability of a true match (search/relevance.ts); COSINE and FUSED
 * are the raw orders, for callers that pass no relevance (benchmarks).
 */
export type ScoreKind = 'RELEVANCE' | 'COSINE' | 'FUSED';

/**
 * Relevance a keyword match on its own brings when every informative query word is in the clip's name,
 * tags or folder (less for fewer words): a prior, not fitted (the labelled sets name their files after the
 * labels, which would fit it to 1). Combined with the vector half's probability as a noisy-OR.
 */
export const KEYWORD_RELEVANCE = 0.6;
/**
 * Hybrid fuses the top HYBRID_POOL of each list. A fixed pool (not one sized by the page) keeps
 * every clip's fused score the same on every page, so cursors stay stable. 200 keeps a hybrid query
 * on the HNSW index at 100k vectors (a 500 pool asked for ~1,500 segments, past what the planner
 * will take from the index at the default ef_search: an exact scan, 200 ms at 20k clips on PGlite);
 * a vector hit below rank 200 adds under 1/260 to a fused score, so deeper pools rarely reorder.
 */
export const HYBRID_POOL = 200;

export interface Hit {
  clip: ClipRow;
  /** The value the list is ordered by (kind in HitPage.scoreKind): show this one. */
  score: number;
  /** Cosine similarity of the best-matching segment (the vector half's own value). */
  cosine: number;
  /** @deprecated the same as cosine. */
  similarity: number;
  /** Hybrid only: the fused reciprocal-rank score of the two ranks (a part; = score when scoreKind is FUSED). */
  fusedScore: number | null;
  /** The score reaches the cutoff (always true without a relevance). */
  good: boolean;
  startSec: number;
  endSec: number;
  vectorRank: number | null;
  keywordRank: number | null;
  matchedTerms: string[];
  cursor: string;
}

export interface HitPage {
  scoreKind: ScoreKind;
  /** The relevance in force (null for raw COSINE / FUSED lists). */
  relevance: Pick<Relevance, 'kind' | 'source' | 'goodMatch'> | null;
  /** Query words the text tower cannot represent. */
  unknownWords: string[];
  /** Why there is no good match, when there is none. */
  noGoodMatch: string | null;
  hits: Hit[];
  hasNextPage: boolean;
  endCursor: string | null;
  totalCount: number;
  /** False when the good matches were counted up to GOOD_COUNT_MAX and there are more. */
  totalCountExact: boolean;
}

interface VecHit {
  clipId: number;
  similarity: number;
  startSec: number;
  endSec: number;
}

interface Ranked {
  clipId: number;
  score: number;
  vec: VecHit | null;
  vectorRank: number | null;
  keywordRank: number | null;
  /** Hybrid: the query words the keyword half matched (stems), [] when it did not rank the clip. */
  matched?: string[];
  good?: boolean;
  /** Hybrid lists: the fused RRF score (a part). */
  fused?: number;
}

/**
 * The `need` clips under the filter nearest to q, each with its best segment (whole clip or window).
 * Segments come from the HNSW index (iterative scan keeps filtered queries full); the segment limit
 * grows until `need` distinct clips are found or the candidates run out, so the list is exact.
 */
export async function vectorRanking(
  store: Store,
  modelId: number,
  q: Float32Array,
  filter: ClipFilter | null | undefined,
  need: number,
  excludeClipId?: number,
): Promise<VecHit[]> {
  if (need <= 0) return [];
  // Most clips have one segment (long files add windows), so need + a margin usually fills the list in
  // one probe: asking HNSW for 3x the need (620 rows for 200 clips) cost 19-23 ms at 100k, 220 rows 5.5 ms.
  let limit = need + 20;
  for (;;) {
    const k = { modelId, q, filter, excludeClipId, limit };
    let rows = await repo.nearestSegments(store, k);
    // An HNSW scan under a filter stops after hnsw.max_scan_tuples (20,000) index entries: a filter few clips
    // pass comes back short, as if there were no more. When more segments pass it than came back, the filtered
    // segments are ranked exactly instead.
    if (rows.length < limit && !noFilter(filter) && (await repo.filteredSegmentCount(store, k)) > rows.length) rows = await repo.nearestSegmentsExact(store, k);
    const best = new Map<number, VecHit>();
    for (const r of rows) {
      const cur = best.get(r.clipId);
      if (!cur || r.sim > cur.similarity) best.set(r.clipId, { clipId: r.clipId, similarity: r.sim, startSec: r.startSec, endSec: r.endSec });
    }
    if (best.size >= need || rows.length < limit) {
      return [...best.values()].sort((a, b) => b.similarity - a.similarity || a.clipId - b.clipId).slice(0, need);
    }
    // Grow by the segments per clip seen so far (windows of long files), at least doubling.
    limit = Math.ceil(limit * Math.max(2, Math.min(16, (1.25 * need) / Math.max(1, best.size))));
  }
}

/**
 * A query word that more than this share of the clips have (per the planner statistics; of the candidates without them) carries no information
 * ("wav", a folder every clip sits in): it is left out of the keyword query, so it cannot reorder results.
 */
export const KEYWORD_MAX_SHARE = 0.5;
/** Clips the keyword half ranks at most (see keywordRanking): the page costs the same at 10k and 1M clips. */
export const KEYWORD_CANDIDATES = 400;

/** How long the planner's word statistics are reused: ANALYZE runs once per ingest, not per query. */
export const PLANNER_STATS_MS = 30_000;
const statsMemo = new WeakMap<Store, { at: number; key: string; v: Promise<{ stats: boolean; freq: Map<string, number> }> }>();

/**
 * The share of clips each common lexeme of the name/tag/folder and description columns has, from the
 * planner's statistics (pg_stats.most_common_elems), and whether there are any. Read at most every
 * PLANNER_STATS_MS and again when ANALYZE has run: the pg_stats view costs more than the rest of the keyword
 * half's first query.
 */
async function plannerStats(store: Store, statsKey?: string): Promise<{ stats: boolean; freq: Map<string, number> }> {
  // ANALYZE rewrites the table's size estimate: a new estimate means new statistics.
  const key = statsKey ?? (await repo.clipTableEstimate(store));
  const hit = statsMemo.get(store);
  if (hit && hit.key === key && Date.now() - hit.at < PLANNER_STATS_MS) return hit.v;
  const v = repo.keywordStatistics(store);
  statsMemo.set(store, { at: Date.now(), key, v });
  v.catch(() => statsMemo.delete(store));
  return v;
}

export interface KeywordHit {
  clipId: number;
  /** The query words (as typed, lower case) whose English stem the clip's name, tags or folder has. */
  matched: string[];
  /** Its best segment against the query vector (null without one). */
  vec: VecHit | null;
}

/**
 * Full-text ranking on name, tags and folder (English stems, no stop words, see the keyword_english
 * migration): any informative query word matches (OR), ranked by weighted ts_rank. `candidates` is the
 * number of clips under the filter, against which each word's share is measured when the planner has no
 * statistics yet (a function: read only then).
 */
export async function keywordRanking(
  store: Store,
  modelId: number,
  query: string,
  filter: ClipFilter | null | undefined,
  need: number,
  candidates: number | (() => Promise<number>),
  maxWords = DEFAULT_TEXT_LIMITS.maxQueryWords,
  maxCandidates = KEYWORD_CANDIDATES,
  /** The query words' stems and the statistics key when the caller has read them already (queryStems). */
  known?: { stems: WordStem[]; statsKey: string },
  /** The query vector: each hit comes with its best segment (the fused list needs one for every clip). */
  q?: Float32Array,
): Promise<KeywordHit[] & { informative?: number }> {
  // At most maxWords distinct words reach the SQL, whatever the caller checked before.
  const qwords = [...new Set(words(query))].slice(0, maxWords);
  if (!qwords.length || need <= 0) return [];
  // Each word's stem (none for a stop word) and whether too many clips have it. "Too many" comes from the
  // planner's statistics of the tsvector columns (pg_stats.most_common_elems, kept by ANALYZE after every
  // ingest): counting a word half the library has row by row cost 68 ms a query at 10k clips. Without
  // statistics the matches under the filter are counted, up to one past the share.
  const st = await plannerStats(store, known?.statsKey);
  const base = st.stats ? 0 : typeof candidates === 'number' ? candidates : await candidates();
  const rowsOf =
    known && st.stats
      ? known.stems.filter((r) => qwords.includes(r.word))
      : await repo.wordStems(store, qwords, st.stats ? undefined : { filter, modelId, cap: Math.floor(KEYWORD_MAX_SHARE * base) + 1 });
  const stems = rowsOf.map((r) => ({ ...r, freq: st.freq.get(r.lex) ?? null }));
  // Stems of split words are letters and digits only; anything else is not put into a tsquery.
  const usable = stems.filter((r) => /^[\p{L}\p{N}]+$/u.test(r.lex));
  const withStats = st.stats;
  const worth = usable.filter((r) => (withStats ? r.freq === null || r.freq <= KEYWORD_MAX_SHARE : Number(r.n) > 0 && Number(r.n) <= KEYWORD_MAX_SHARE * base));
  // Which stems some clip under the filter has. Without a filter, a stem the statistics hold is in the library
  // (ANALYZE saw it in its sample); a stem they do not hold is rare or absent, and one GIN probe each says which.
  const common = [...new Set(worth.filter((r) => !withStats || r.freq !== null).map((r) => r.lex))];
  const rare = withStats ? [...new Set(worth.filter((r) => r.freq === null).map((r) => r.lex))] : [];
  const probe = [...rare, ...(withStats && !noFilter(filter) ? common : [])];
  const present = new Set(probe.length ? await repo.withIndexScans(store, (db) => repo.lexemesPresent(db, probe, filter, modelId)) : []);
  const found = new Set([...common.filter((l) => present.has(l) || !probe.includes(l)), ...rare.filter((l) => present.has(l))]);
  const wordsOf = new Map<string, string[]>();
  for (const r of usable) if (found.has(r.lex)) wordsOf.set(r.lex, [...(wordsOf.get(r.lex) ?? []), r.word]);
  const lexemes = [...wordsOf.keys()];
  if (!lexemes.length) return [];
  // The candidates ts_rank orders, at most maxCandidates: the rare stems' clips (a rare word says the most), the
  // clips with every word, then those with any word in a name, tag or description (weight A), then folder-only
  // matches. Ranking every clip that has any query word sorted 44k rows at 100k clips (40-69 ms) when a word was
  // in 15 % of the names.
  const all = lexemes.join(' & ');
  const anyA = lexemes.map((l) => `${l}:A`).join(' | ');
  const here = rare.filter((l) => found.has(l));
  const matches = [...(here.length && here.length < lexemes.length ? [here.join(' | ')] : []), ...(lexemes.length > 1 ? [all] : []), anyA, lexemes.join(' | ')];
  // Each tier leaves out the clips of the tiers before it, so no clip is a candidate twice.
  const before = (i: number) => matches.slice(0, i).map((m) => `(${m})`);
  const tiers = matches.map((match, i) => ({ match, not: i ? before(i).join(' | ') : null }));
  const rows = await repo.keywordHits(store, { tiers, lexemes, filter, modelId, max: maxCandidates, need, q });
  const hits: KeywordHit[] & { informative?: number } = rows.map((r) => ({
    clipId: r.id,
    matched: [...new Set(lexemes.filter((l) => r.matched.includes(l)).flatMap((l) => wordsOf.get(l) ?? []))],
    vec: r.best && { clipId: r.id, similarity: r.best.sim, startSec: r.best.startSec, endSec: r.best.endSec },
  }));
  hits.informative = new Set([...wordsOf.values()].flat()).size;
  return hits;
}

const noFilter = (f: ClipFilter | null | undefined) =>
  !f || Object.entries(f).every(([k, v]) => v == null || (Array.isArray(v) && !v.length) || (k === 'status' && v === 'ACTIVE'));

/**
 * The clip count a word's share is measured against. Without a filter, the library's clip count that the
 * LibraryMarker triggers keep in every insert's transaction (a row read; it also counts missing and not yet
 * embedded clips, close enough for a share); with one, recentCount (an exact count, at most every 10 s per
 * filter, 46-65 ms at 100k clips on PGlite).
 */
async function keywordBase(store: Store, modelId: number, filter: ClipFilter | null | undefined): Promise<number> {
  if (!noFilter(filter)) return recentCount(store, modelId, filter);
  return (await repo.markedClipCount(store)) ?? recentCount(store, modelId, filter);
}

type WordStem = Awaited<ReturnType<typeof repo.wordStems>>[number];

/**
 * The query words' English stems, read once per search: the words with a stem are those that carry the
 * meaning (a stop word has none), and the keyword half matches the stems.
 */
async function queryStems(store: Store, ws: string[]): Promise<{ content: string[]; known?: { stems: WordStem[]; statsKey: string } }> {
  if (!ws.length) return { content: [] };
  const known = await repo.wordStemsAndStatsKey(store, ws);
  const keep = new Set(known.stems.map((r) => r.word));
  return { content: ws.filter((w) => keep.has(w)), known };
}

function matchedTerms(query: string, clip: ClipRow): string[] {
  const have = new Set([
    ...words(clip.name),
    ...words(clip.path),
    ...clip.tags.flatMap(words),
    ...words(clip.description ?? ''),
    ...words(clip.ucs ? `${clip.ucs.category} ${clip.ucs.subcategory ?? ''} ${clip.ucs.catId}` : ''),
  ]);
  return [...new Set(words(query))].filter((w) => have.has(w));
}

type Cursor = { s: number; id: number };

/** Index in a list ordered by (score desc, clip id asc) of the first entry after the cursor; -1 when none is. */
const afterCursor = (ranked: { score: number; clipId: number }[], cur: Cursor) => ranked.findIndex((r) => r.score < cur.s || (r.score === cur.s && r.clipId > cur.id));

/** Page of a ranked list after a keyset cursor (score desc, clip id asc). */
async function page(
  store: Store,
  ranked: Ranked[],
  first: number,
  after: string | null | undefined,
  query: string | null,
  totalCount: number,
  scoreKind: ScoreKind,
  extra: Pick<HitPage, 'relevance' | 'unknownWords' | 'noGoodMatch' | 'totalCountExact'> = { relevance: null, unknownWords: [], noGoodMatch: null, totalCountExact: true },
): Promise<HitPage> {
  const cur = decodeCursor<Cursor>(after);
  let start = 0;
  if (cur) {
    start = afterCursor(ranked, cur);
    if (start < 0) start = ranked.length;
  }
  const slice = ranked.slice(start, start + first);
  const clips = await getClips(
    store,
    slice.map((r) => r.clipId),
  );
  const hits: Hit[] = slice
    .filter((r) => clips.has(r.clipId))
    .map((r) => {
      const clip = clips.get(r.clipId) as ClipRow;
      const v = r.vec;
      return {
        clip,
        score: r.score,
        cosine: v?.similarity ?? 0,
        similarity: v?.similarity ?? 0,
        fusedScore: r.fused ?? null,
        good: r.good ?? true,
        startSec: v?.startSec ?? 0,
        endSec: v?.endSec ?? clip.durationSec,
        vectorRank: r.vectorRank,
        keywordRank: r.keywordRank,
        matchedTerms: r.matched ?? (query ? matchedTerms(query, clip) : []),
        cursor: encodeCursor({ s: r.score, id: r.clipId } satisfies Cursor),
      };
    });
  return {
    scoreKind,
    ...extra,
    hits,
    hasNextPage: ranked.length > start + first,
    endCursor: hits.length ? hits[hits.length - 1].cursor : null,
    totalCount,
  };
}

/** Vector list from the top until it extends `first + 1` past the cursor. */
async function vectorPage(
  store: Store,
  modelId: number,
  q: Float32Array,
  filter: ClipFilter | null | undefined,
  first: number,
  after: string | null | undefined,
  exclude?: number,
): Promise<Ranked[]> {
  const cur = decodeCursor<Cursor>(after);
  // The cursor does not say how deep it is: extend the list until it reaches first + 1 past the cursor.
  let need = Math.max(first + 1, 50);
  for (;;) {
    const list = await vectorRanking(store, modelId, q, filter, need, exclude);
    const ranked = list.map((v, i) => ({ clipId: v.clipId, score: v.similarity, vec: v, vectorRank: i + 1, keywordRank: null }));
    if (list.length < need) return ranked;
    const pos = cur ? afterCursor(ranked, cur) : 0;
    if (pos >= 0 && ranked.length > pos + first) return ranked;
    need *= 4;
  }
}

export interface TextSearchInput {
  query: string;
  filter?: ClipFilter | null;
  first: number;
  after?: string | null;
  hybrid?: boolean | null;
  /** Bounds on the query text (config.limits); DEFAULT_TEXT_LIMITS when absent. */
  limits?: TextLimits;
  /** Rank and show calibrated relevance, and end the list at the cutoff (the API always passes one). */
  relevance?: Relevance | null;
  /** The words of a text the text tower cannot represent (ClapRuntime.unknownWords), run on the checked query. */
  unknownWords?: (text: string) => string[];
  /** With a relevance: list the weaker hits after the good ones (totalCount still counts good ones only). */
  weak?: boolean | null;
}

export async function searchByText(store: Store, modelId: number, embedText: (t: string[]) => Promise<Float32Array[]>, input: TextSearchInput): Promise<HitPage> {
  const limits = input.limits ?? DEFAULT_TEXT_LIMITS;
  const query = checkText(input.query, limits, 'query');
  const [q] = await embedText([query]);
  if (input.relevance) return relevantText(store, modelId, q, query, input, input.relevance, limits);
  // The exact total is a join over every clip (~100 ms at 100k clips on a server, where the KNN
  // takes ~5 ms): run it beside the rankings, which a server's pool does in parallel.
  const totalP = countEmbedded(store, modelId, input.filter);
  if (input.hybrid === false) {
    const [ranked, total] = await Promise.all([vectorPage(store, modelId, q, input.filter, input.first, input.after), totalP]);
    return page(store, ranked, input.first, input.after, query, total, 'COSINE');
  }
  // The keyword half weighs each word against the candidate count, so it starts once the total is in.
  const [vec, { kw, total }] = await Promise.all([
    vectorRanking(store, modelId, q, input.filter, HYBRID_POOL),
    totalP.then(async (total) => ({
      total,
      kw: await keywordRanking(store, modelId, query, input.filter, HYBRID_POOL, total, limits.maxQueryWords, KEYWORD_CANDIDATES, undefined, q),
    })),
  ]);
  const fused = new Map<number, Ranked>();
  vec.forEach((v, i) => fused.set(v.clipId, { clipId: v.clipId, score: 0, vec: v, vectorRank: i + 1, keywordRank: null, matched: [] }));
  kw.forEach((k, i) => {
    const r = fused.get(k.clipId) ?? { clipId: k.clipId, score: 0, vec: k.vec, vectorRank: null, keywordRank: null };
    r.keywordRank = i + 1;
    r.matched = k.matched;
    fused.set(k.clipId, r);
  });
  for (const r of fused.values()) r.score = r.fused = fusedScore(r.vectorRank, r.keywordRank);
  const ranked = [...fused.values()].sort((a, b) => b.score - a.score || a.clipId - b.clipId);
  return page(store, ranked, input.first, input.after, query, total, 'FUSED');
}

/** The whole-clip embedding of a stored clip for this model (NOT_FOUND when it has none). */
export async function clipVector(store: Store, modelId: number, clip: ClipRow): Promise<Float32Array> {
  const [row] = await clipVectors(store, modelId, [clip.contentHash]);
  if (!row) throw new EarshotError('NOT_FOUND', `clip ${clip.id} has no embedding for the running model (re-ingest it)`, { subject: clip.path });
  return row.embedding;
}

export interface SimilarInput {
  clip?: string | null;
  audio?: string | null;
  filter?: ClipFilter | null;
  first: number;
  after?: string | null;
  relevance?: Relevance | null;
  weak?: boolean | null;
}

export async function similarTo(store: Store, modelId: number, uploadVector: (id: string) => Promise<Float32Array>, input: SimilarInput): Promise<HitPage> {
  if (!!input.clip === !!input.audio) throw new EarshotError('BAD_USER_INPUT', 'give exactly one of clip or audio', { subject: 'clip' });
  let q: Float32Array;
  let exclude: number | undefined;
  if (input.clip) {
    const clip = await requireClip(store, input.clip);
    q = await clipVector(store, modelId, clip);
    exclude = clip.id;
  } else {
    q = await uploadVector(input.audio as string);
  }
  if (input.relevance) {
    const rel = input.relevance;
    const { ranked, exact } = await relevanceList(store, modelId, q, input.filter, { curve: rel.audio, goodMatch: rel.goodMatch, page: input, exclude });
    return cutoffPage(store, ranked, input, null, rel, [], 'nothing in the library sounds like it (no clip above the cutoff)', exact);
  }
  const [ranked, total] = await Promise.all([vectorPage(store, modelId, q, input.filter, input.first, input.after, exclude), countEmbedded(store, modelId, input.filter, exclude)]);
  return page(store, ranked, input.first, input.after, null, total, 'COSINE');
}

/**
 * Good matches counted exactly up to this many; past it totalCount says "at least" (totalCountExact false).
 * Counting every good match of a broad query ("rain" in a library of rain) would walk the index for
 * thousands of clips on every page.
 */
export const GOOD_COUNT_MAX = 500;

const NO_KEYWORDS: Promise<KeywordHit[] & { informative?: number }> = Promise.resolve(Object.assign([] as KeywordHit[], { informative: 0 }));

/** Clips a relevance list starts with: the page and a margin (ties, the cursor's own position). */
const pageStart = (first: number) => first + 30;

/**
 * A relevance-ordered list long enough for the page asked for, and no longer. Score = noisy-OR of the
 * vector half's probability (the curve at the best segment's cosine) and the keyword half's (hybrid; a
 * fixed pool of HYBRID_POOL ranked by ts_rank). The vector list starts at the page + 30 clips. No clip
 * beyond it can score above the probability of its last cosine, so the list's order is final down to that
 * bound; it grows (x4) until the page (and one more, for hasNextPage) lies above the bound, and until it
 * passes the cutoff, so that every good match is in it and the count is exact, or holds GOOD_COUNT_MAX clips
 * (then exact is false). Blind (every word that carries meaning unknown to the text tower), the vector half
 * is noise: a fixed pool, ordered by the keyword half and the clip id.
 */
async function relevanceList(
  store: Store,
  modelId: number,
  q: Float32Array,
  filter: ClipFilter | null | undefined,
  o: {
    curve: Curve;
    goodMatch: number;
    page: { first: number; after?: string | null; weak?: boolean | null };
    keywords?: Promise<KeywordHit[] & { informative?: number }>;
    blind?: boolean;
    exclude?: number;
  },
): Promise<{ ranked: Ranked[]; exact: boolean }> {
  const hybrid = !!o.keywords;
  o.keywords?.catch(() => {}); // awaited below; a vector query failing first must not leave its rejection unhandled
  const pv = (cos: number) => (o.blind ? 0 : relevanceOf(o.curve, cos));
  const cut = o.blind ? Infinity : cosineAt(o.curve, o.goodMatch);
  const cur = decodeCursor<Cursor>(o.page.after);
  let need = o.blind ? HYBRID_POOL : pageStart(o.page.first);
  for (;;) {
    const vec = await vectorRanking(store, modelId, q, filter, need, o.exclude);
    // Each keyword hit comes with its best segment (keywordRanking), for clips the vector list lacks.
    const kw = await (o.keywords ?? NO_KEYWORDS);
    const all = new Map<number, Ranked>();
    vec.forEach((v, i) => all.set(v.clipId, { clipId: v.clipId, score: 0, vec: v, vectorRank: i + 1, keywordRank: null, matched: hybrid ? [] : undefined }));
    kw.forEach((k, i) => {
      const r = all.get(k.clipId) ?? { clipId: k.clipId, score: 0, vec: k.vec, vectorRank: null, keywordRank: null };
      r.keywordRank = i + 1;
      r.matched = k.matched;
      all.set(k.clipId, r);
    });
    for (const r of all.values()) {
      const pk = r.keywordRank !== null && kw.informative ? (KEYWORD_RELEVANCE * (r.matched?.length ?? 0)) / kw.informative : 0;
      r.score = 1 - (1 - (r.vec ? pv(r.vec.similarity) : 0)) * (1 - pk);
      r.good = r.score >= o.goodMatch;
      if (hybrid) r.fused = fusedScore(r.vectorRank, r.keywordRank);
    }
    const ranked = [...all.values()].sort((a, b) => b.score - a.score || a.clipId - b.clipId);
    if (o.blind || vec.length < need) return { ranked, exact: true };
    const last = vec[vec.length - 1].similarity;
    const crossed = last < cut;
    const bound = pv(last);
    const final = ranked.findIndex((r) => r.score <= bound);
    const pos = cur ? afterCursor(ranked, cur) : 0;
    const covered = pos >= 0 && pos + o.page.first < (final < 0 ? ranked.length : final);
    // Listing good matches only, a list past the cutoff holds every one of them in its final order.
    if (crossed && (covered || !o.page.weak)) return { ranked, exact: true };
    if (!crossed && need >= GOOD_COUNT_MAX && covered) return { ranked, exact: false };
    need = !crossed && need < GOOD_COUNT_MAX ? GOOD_COUNT_MAX : need * 4;
  }
}

/** Good hits first by relevance; the weaker ones only on request. */
async function cutoffPage(
  store: Store,
  ranked: Ranked[],
  input: { first: number; after?: string | null; weak?: boolean | null },
  query: string | null,
  rel: Relevance,
  unknownWords: string[],
  none: string,
  exact: boolean,
): Promise<HitPage> {
  ranked.sort((a, b) => b.score - a.score || a.clipId - b.clipId);
  const good = ranked.filter((r) => r.good).length;
  const list = input.weak ? ranked : ranked.filter((r) => r.good);
  return page(store, list, input.first, input.after, query, good, 'RELEVANCE', {
    relevance: { kind: rel.kind, source: rel.source, goodMatch: rel.goodMatch },
    unknownWords,
    noGoodMatch: good ? null : none,
    totalCountExact: exact,
  });
}

/**
 * Text search by calibrated relevance: the vector half's probability of a true match (0 when every
 * word that carries meaning is unknown to the text tower: its embedding is then noise), combined with
 * the keyword half's (hybrid) as a noisy-OR; the list ends at the cutoff.
 */
async function relevantText(store: Store, modelId: number, q: Float32Array, query: string, input: TextSearchInput, rel: Relevance, limits: TextLimits): Promise<HitPage> {
  const unknown = input.unknownWords?.(query) ?? [];
  const qwords = [...new Set(words(query))];
  const { content, known } = await queryStems(store, qwords);
  const meaning = content.length ? content : qwords;
  const blind = meaning.length > 0 && meaning.every((w) => unknown.includes(w));
  const hybrid = input.hybrid !== false;
  const { ranked, exact } = await relevanceList(store, modelId, q, input.filter, {
    curve: rel.text,
    goodMatch: rel.goodMatch,
    page: input,
    blind,
    keywords: hybrid
      ? keywordRanking(store, modelId, query, input.filter, HYBRID_POOL, () => keywordBase(store, modelId, input.filter), limits.maxQueryWords, KEYWORD_CANDIDATES, known, q)
      : undefined,
  });
  const none = blind
    ? `the model does not know: ${meaning.filter((w) => unknown.includes(w)).join(', ')}`
    : `nothing in the library sounds like ${JSON.stringify(query)} (no clip above the cutoff)`;
  // Stop words are not reported: a vocabulary without "a" misses nothing the query meant.
  return cutoffPage(
    store,
    ranked,
    input,
    query,
    rel,
    unknown.filter((w) => meaning.includes(w)),
    none,
    exact,
  );
}

/** The relevance in force for searches with this runtime over this library (search/relevance.ts). */
export async function relevanceForSearch(store: Store, modelId: number, rt: RelevanceRuntime): Promise<Relevance> {
  return relevanceFor(
    store,
    modelId,
    rt,
    async (q, k) => (await vectorRanking(store, modelId, q, null, k)).map((v) => v.similarity),
    async (n) => {
      const rows = await repo.sampleClipVectors(store, modelId, n);
      const out: number[] = [];
      for (const r of rows) {
        const [nn] = await vectorRanking(store, modelId, r.embedding, null, 1, r.clipId);
        if (nn) out.push(nn.similarity);
      }
      return out;
    },
  );
}
