/** Zero-shot classification (stored clips use their stored segment vectors), label sets, library runs. */
import { EarshotError } from '../errors.js';
import type { SegmentVector } from '../model/embed.js';
import { probability, scoreLabels, type BundleManifest, type Calibration, type LabelScore as RawLabelScore } from '../model/index.js';
import type { LabelSetRow, Store, StoredPrediction } from '../store/index.js';
import * as repo from '../store/index.js';
import { requireClip } from './clips.js';
import { intId, isId, type ClipFilter } from './filters.js';
import { checkText, DEFAULT_TEXT_LIMITS, type TextLimits } from './text.js';

export const DEFAULT_TEMPLATE = 'This is a sound of {}.';

/**
 * Prompt ensemble (CLAP papers; CLIP's "prompt engineering and ensembling"): each label's text
 * embedding is the normalised mean over these templates. Words a word-level vocabulary like clap-mini's
 * knows (this, is, a, the, sound, of, recording, clip); off by default until npm run eval shows it helps.
 */
export const ENSEMBLE_TEMPLATES = [DEFAULT_TEMPLATE, 'a recording of {}.', 'the sound of {}.', 'a clip of {}.', '{}'];

export interface ClassifyRuntime {
  manifest: BundleManifest;
  embedText(texts: string[]): Promise<Float32Array[]>;
  /** The bundle's calibration: label presence (open set) comes from its labelPresence curve. */
  calibration?: Calibration | null;
  unknownWords?(text: string): string[];
}

export interface LabelScore extends RawLabelScore {
  /**
   * Calibrated probability that the label is present, independent of the other labels (null without a
   * calibration); 0 for a label none of whose words the model knows.
   */
  present: number | null;
  /** Words of the label the text tower cannot represent. */
  unknownWords: string[];
}

export interface Classification {
  scores: LabelScore[];
  best: LabelScore;
  multiLabel: boolean;
  template: string;
  /** The label embeddings were averaged over ENSEMBLE_TEMPLATES (template is then the first of them). */
  ensemble: boolean;
  /**
   * Probability that none of the labels is present: Π(1 − present), each label's presence taken as independent
   * of the others (each is calibrated alone); null without a calibration.
   */
  noneProbability: number | null;
  /** No label is present: the probability that any is (1 − noneProbability) is below the good-match cutoff; null without a calibration. */
  noneOfThese: boolean | null;
  windows: { startSec: number; endSec: number; best: LabelScore; scores: LabelScore[] }[];
}

export type { LabelSetRow, StoredPrediction } from '../store/index.js';

const prompt = (template: string, label: string) => (template.includes('{}') ? template.replaceAll('{}', label) : `${template} ${label}`);

/** Trimmed, non-empty, distinct labels within the limits (count, and each label's length and words). */
export function checkLabels(labels: string[], maxLabels: number, limits: TextLimits = DEFAULT_TEXT_LIMITS): string[] {
  if (labels.length === 0) throw new EarshotError('BAD_USER_INPUT', 'give at least one label', { subject: 'labels' });
  if (labels.length > maxLabels) throw new EarshotError('LIMIT_EXCEEDED', `${labels.length} labels exceed the maximum of ${maxLabels}`, { subject: 'labels' });
  if (labels.some((l) => !l.trim())) throw new EarshotError('BAD_USER_INPUT', 'labels must not be empty', { subject: 'labels' });
  const clean = labels.map((l, i) => checkText(l, limits, `label ${i + 1}`, 'labels'));
  if (new Set(clean).size !== clean.length) throw new EarshotError('BAD_USER_INPUT', 'labels must be distinct', { subject: 'labels' });
  return clean;
}

/** A prompt template within the text limits (it is embedded once per label). */
function checkTemplate(template: string | null | undefined, limits: TextLimits): string {
  return template == null ? DEFAULT_TEMPLATE : checkText(template, { ...limits, maxQueryWords: limits.maxQueryChars }, 'template');
}

const bestOf = <T extends RawLabelScore>(s: T[]): T => s.reduce((a, b) => (b.score > a.score ? b : a));

/**
 * Open-set scores: the softmax over the labels (or, multi-label, each label alone) plus each label's
 * calibrated presence. Multi-label with a calibration scores each label by its presence (the same curve).
 */
function openSet(raw: RawLabelScore[], rt: ClassifyRuntime, unknown: string[][], multiLabel: boolean): LabelScore[] {
  const cal = rt.calibration?.labelPresence;
  return raw.map((s, i) => {
    const blind = unknown[i].length > 0 && unknown[i].length === new Set(s.label.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean)).size;
    const present = cal ? (blind ? 0 : probability(cal, s.cosine)) : null;
    return { ...s, score: multiLabel && present !== null ? present : s.score, present, unknownWords: unknown[i] };
  });
}

/**
 * "None of these" from the labels together, not from the best one alone: several labels that are each
 * possible make it likely that one of them is there. The probability that none is present is Π(1 − present)
 * (each label's presence is calibrated alone, so they are taken as independent); "none of these" when the
 * probability that any is present stays below the cutoff. With one label this is `present < cutoff`; with
 * several it says "none" less often than "every present below the cutoff", which on real recordings (whose
 * right labels reach lower cosines than the synthetic clips the curve was fitted on) rejected right answers.
 */
export function openSetNone(presents: number[], goodMatch: number): { noneProbability: number; noneOfThese: boolean } {
  const q = presents.reduce((acc, p) => acc * (1 - p), 1);
  return { noneProbability: q, noneOfThese: 1 - q < goodMatch };
}

const noneOf = (s: LabelScore[], rt: ClassifyRuntime): { noneProbability: number | null; noneOfThese: boolean | null } =>
  rt.calibration ? openSetNone(s.map((x) => x.present ?? 0), rt.calibration.goodMatch) : { noneProbability: null, noneOfThese: null };

/** Scores of one set of segment vectors (whole clip first) against the labels. */
export async function classifyVectors(
  rt: ClassifyRuntime,
  vectors: SegmentVector[],
  labels: string[],
  template: string,
  multiLabel: boolean,
  ensemble = false,
): Promise<Classification> {
  const text = await labelEmbeddings(rt, labels, ensemble ? ENSEMBLE_TEMPLATES : [template]);
  if (ensemble) template = ENSEMBLE_TEMPLATES[0];
  const unknown = labels.map((l) => rt.unknownWords?.(l) ?? []);
  const whole = vectors.find((v) => v.kind === 'clip');
  if (!whole) throw new EarshotError('NOT_FOUND', 'no whole-clip embedding to classify');
  const scores = openSet(scoreLabels(whole.embedding, labels, text, rt.manifest, multiLabel), rt, unknown, multiLabel);
  const windows = vectors
    .filter((v) => v.kind === 'window')
    .sort((a, b) => a.startSec - b.startSec)
    .map((w) => {
      const s = openSet(scoreLabels(w.embedding, labels, text, rt.manifest, multiLabel), rt, unknown, multiLabel);
      return { startSec: w.startSec, endSec: w.endSec, best: bestOf(s), scores: s };
    });
  return { scores, best: bestOf(scores), multiLabel, template, ensemble, ...noneOf(scores, rt), windows };
}

/** One unit vector per label: its prompt's embedding, or the normalised mean over several templates. */
export async function labelEmbeddings(rt: Pick<ClassifyRuntime, 'embedText'>, labels: string[], templates: string[]): Promise<Float32Array[]> {
  const per = await Promise.all(templates.map((t) => rt.embedText(labels.map((l) => prompt(t, l)))));
  if (per.length === 1) return per[0];
  return labels.map((_, i) => {
    const m = new Float32Array(per[0][i].length);
    for (const e of per) for (let k = 0; k < m.length; k++) m[k] += e[i][k];
    const n = Math.hypot(...m) || 1;
    return m.map((x) => x / n);
  });
}

/** Stored segment vectors of a content hash for this model, whole clip first. */
export async function storedVectors(store: Store, modelId: number, contentHash: string): Promise<SegmentVector[]> {
  return repo.segmentsOf(store, modelId, contentHash);
}

export interface ClassifyInput {
  clip?: string | null;
  audio?: string | null;
  labels?: string[] | null;
  labelSet?: string | null;
  template?: string | null;
  multiLabel?: boolean | null;
  /** Average each label over ENSEMBLE_TEMPLATES instead of the one template. */
  ensemble?: boolean | null;
}

export async function classify(
  store: Store,
  modelId: number,
  rt: ClassifyRuntime,
  uploadVectors: (id: string) => Promise<SegmentVector[]>,
  input: ClassifyInput,
  maxLabels: number,
  limits: TextLimits = DEFAULT_TEXT_LIMITS,
): Promise<Classification> {
  if (!!input.clip === !!input.audio) throw new EarshotError('BAD_USER_INPUT', 'give exactly one of clip or audio', { subject: 'clip' });
  if (!!input.labels === !!input.labelSet) throw new EarshotError('BAD_USER_INPUT', 'give exactly one of labels or labelSet', { subject: 'labels' });
  let labels: string[];
  let template = checkTemplate(input.template, limits);
  let multiLabel = input.multiLabel ?? false;
  if (input.labelSet) {
    const set = await requireLabelSet(store, input.labelSet);
    labels = set.labels;
    // A saved set carries its own prompt and mode; explicit non-default arguments still win.
    if (input.template == null || input.template === DEFAULT_TEMPLATE) template = set.template;
    if (input.multiLabel == null || input.multiLabel === false) multiLabel = set.multiLabel;
  } else {
    labels = checkLabels(input.labels as string[], maxLabels, limits);
  }
  let vectors: SegmentVector[];
  if (input.clip) {
    const clip = await requireClip(store, input.clip);
    vectors = await storedVectors(store, modelId, clip.contentHash);
    if (!vectors.length) throw new EarshotError('NOT_FOUND', `clip ${clip.id} has no embedding for the running model (re-ingest it)`, { subject: clip.path });
  } else {
    vectors = await uploadVectors(input.audio as string);
  }
  return classifyVectors(rt, vectors, labels, template, multiLabel, input.ensemble ?? false);
}

// ---- label sets ----

export async function listLabelSets(store: Store): Promise<LabelSetRow[]> {
  return repo.allLabelSets(store);
}

export async function getLabelSet(store: Store, id: string | number): Promise<LabelSetRow | null> {
  const n = Number(id);
  if (!isId(n)) return null;
  return repo.labelSetById(store, n);
}

export async function requireLabelSet(store: Store, id: string | number): Promise<LabelSetRow> {
  intId(id, 'labelSet');
  const s = await getLabelSet(store, id);
  if (!s) throw new EarshotError('NOT_FOUND', `no label set with id ${id}`, { subject: String(id) });
  return s;
}

export interface LabelSetInput {
  name: string;
  labels: string[];
  template?: string | null;
  multiLabel?: boolean | null;
}

function checkSetInput(input: LabelSetInput, maxLabels: number, limits: TextLimits) {
  const name = checkText(input.name, { ...limits, maxQueryWords: limits.maxQueryChars }, 'name');
  return { name, labels: checkLabels(input.labels, maxLabels, limits), template: checkTemplate(input.template, limits), multiLabel: input.multiLabel ?? false };
}

async function nameTaken(store: Store, name: string, exceptId = 0): Promise<void> {
  if (await repo.labelSetNameTaken(store, name, exceptId)) throw new EarshotError('BAD_USER_INPUT', `a label set named ${JSON.stringify(name)} exists already`, { subject: 'name' });
}

export async function createLabelSet(store: Store, input: LabelSetInput, maxLabels: number, limits: TextLimits = DEFAULT_TEXT_LIMITS): Promise<LabelSetRow> {
  const v = checkSetInput(input, maxLabels, limits);
  await nameTaken(store, v.name);
  return repo.insertLabelSet(store, v);
}

/** Update a set; its stored predictions are dropped because they no longer match its labels. */
export async function updateLabelSet(store: Store, id: string, input: LabelSetInput, maxLabels: number, limits: TextLimits = DEFAULT_TEXT_LIMITS): Promise<LabelSetRow> {
  const set = await requireLabelSet(store, id);
  const v = checkSetInput(input, maxLabels, limits);
  await nameTaken(store, v.name, set.id);
  return store.tx(async (t) => {
    const r = await repo.updateLabelSetRow(t, set.id, v);
    const changed = JSON.stringify([set.labels, set.template, set.multiLabel]) !== JSON.stringify([v.labels, v.template, v.multiLabel]);
    if (changed) await repo.deletePredictionsOfSet(t, set.id);
    return r;
  });
}

export async function deleteLabelSet(store: Store, id: string): Promise<boolean> {
  const set = await requireLabelSet(store, id);
  await repo.deleteLabelSetRow(store, set.id);
  return true;
}

export interface LabelCount {
  label: string;
  count: number;
}

/** Active clips per predicted label of a set (this model's predictions), most frequent first. */
export async function predictedLabels(store: Store, modelId: number, labelSet: string): Promise<LabelCount[]> {
  const set = await requireLabelSet(store, labelSet);
  return repo.labelCounts(store, modelId, set.id);
}

/** The stored label of a clip for which no label of the set is present (open set, with a calibration). */
export const NONE_OF_THESE = '(none of these)';

/**
 * Classify every embedded clip under the filter with a label set and store one prediction per
 * content (best label, its score, all scores in label order). Work goes in pages of 200 contents.
 * With the bundle's calibration the stored score is the best label's calibrated presence (a per-clip
 * confidence that browsing can filter on), and a clip where no label is present is filed under
 * NONE_OF_THESE instead of under the least unlikely label.
 */
export async function classifyLibrary(store: Store, modelId: number, rt: ClassifyRuntime, labelSet: string, filter?: ClipFilter | null) {
  const set = await requireLabelSet(store, labelSet);
  const text = await rt.embedText(set.labels.map((l) => prompt(set.template, l)));
  const unknown = set.labels.map((l) => rt.unknownWords?.(l) ?? []);
  const hashes = await repo.embeddedContents(store, modelId, filter);
  for (let i = 0; i < hashes.length; i += 200) {
    const vectors = await repo.clipVectors(store, modelId, hashes.slice(i, i + 200));
    const preds = vectors.map((r) => {
      const s = openSet(scoreLabels(r.embedding, set.labels, text, rt.manifest, set.multiLabel), rt, unknown, set.multiLabel);
      const b = bestOf(s);
      const none = noneOf(s, rt).noneOfThese;
      return { contentHash: r.contentHash, label: none ? NONE_OF_THESE : b.label, score: b.present ?? b.score, scores: s.map((x) => x.score) };
    });
    await repo.upsertPredictions(store, set.id, modelId, preds);
  }
  const classified = await repo.countEmbeddedClips(store, modelId, filter);
  return { labelSet: set, classified, counts: await predictedLabels(store, modelId, String(set.id)) };
}

/** This model's stored predictions of a content, by label set id. */
export async function clipPredictions(store: Store, modelId: number, contentHash: string): Promise<StoredPrediction[]> {
  return (await repo.predictionsOf(store, modelId, [contentHash])).get(contentHash) ?? [];
}

/** This model's stored predictions of several contents at once (a page of clips), by content hash. */
export function predictionsOfContents(store: Store, modelId: number, contentHashes: string[]): Promise<Map<string, StoredPrediction[]>> {
  return repo.predictionsOf(store, modelId, contentHashes);
}

/** Several label sets at once, by id (absent ids are missing from the map). */
export function labelSetsByIds(store: Store, ids: number[]): Promise<Map<number, LabelSetRow>> {
  return repo.labelSetsByIds(store, ids);
}
