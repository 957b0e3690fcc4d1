/** Zero-shot classification (stored clips use their stored segment vectors) and classifying the library with a label set. */
import { EarshotError } from '../errors.js';
import { requireClip } from '../library/clips.js';
import { checkLabels, checkTemplate, DEFAULT_TEMPLATE, requireLabelSet } from '../library/label-sets.js';
import { DEFAULT_TEXT_LIMITS, type TextLimits } from '../library/text.js';
import type { SegmentVector } from '../model/embed.js';
import { probability, scoreLabels, type BundleManifest, type Calibration, type LabelScore as RawLabelScore } from '../model/index.js';
import type { Store } from '../store/index.js';
import * as repo from '../store/index.js';

export { DEFAULT_TEMPLATE } from '../library/label-sets.js';

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

const prompt = (template: string, label: string) => (template.includes('{}') ? template.replaceAll('{}', label) : `${template} ${label}`);

const bestOf = <T extends RawLabelScore>(s: T[]): T => s.reduce((a, b) => (b.score > a.score ? b : a));

/**
 * Open-set scores: the softmax over the labels (or, multi-label, each label alone) plus each label's
 * calibrated presence. Multi-label with a calibration scores each label by its presence (the same curve).
 */
function openSet(raw: RawLabelScore[], rt: ClassifyRuntime, unknown: string[][], multiLabel: boolean): LabelScore[] {
  const cal = rt.calibration?.labelPresence;
  return raw.map((s, i) => {
    const blind =
      unknown[i].length > 0 &&
      unknown[i].length ===
        new Set(
          s.label
            .toLowerCase()
            .split(/[^\p{L}\p{N}]+/u)
            .filter(Boolean),
        ).size;
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
  rt.calibration
    ? openSetNone(
        s.map((x) => x.present ?? 0),
        rt.calibration.goodMatch,
      )
    : { noneProbability: null, noneOfThese: null };

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

/** The stored label of a clip for which no label of the set is present (open set, with a calibration). */
export const NONE_OF_THESE = '(none of these)';

/** What classifying a page of the library needs once per run: the set and its label embeddings. */
export interface PreparedLabelSet {
  set: Awaited<ReturnType<typeof requireLabelSet>>;
  text: Float32Array[];
  unknown: string[][];
}

export async function prepareLabelSet(store: Store, rt: ClassifyRuntime, labelSet: string): Promise<PreparedLabelSet> {
  const set = await requireLabelSet(store, labelSet);
  const text = await rt.embedText(set.labels.map((l) => prompt(set.template, l)));
  return { set, text, unknown: set.labels.map((l) => rt.unknownWords?.(l) ?? []) };
}

/**
 * Classify these contents with a prepared label set and store one prediction per content (best label, its
 * score, all scores in label order). With the bundle's calibration the stored score is the best label's
 * calibrated presence (a per-clip confidence that browsing can filter on), and a clip where no label is
 * present is filed under NONE_OF_THESE instead of under the least unlikely label. An upsert: classifying a
 * content again (a resumed job redoing its last page) replaces its prediction.
 */
export async function classifyContents(store: Store, modelId: number, rt: ClassifyRuntime, p: PreparedLabelSet, contentHashes: string[]): Promise<void> {
  const { set, text, unknown } = p;
  const vectors = await repo.clipVectors(store, modelId, contentHashes);
  const preds = vectors.map((r) => {
    const s = openSet(scoreLabels(r.embedding, set.labels, text, rt.manifest, set.multiLabel), rt, unknown, set.multiLabel);
    const b = bestOf(s);
    const none = noneOf(s, rt).noneOfThese;
    return { contentHash: r.contentHash, label: none ? NONE_OF_THESE : b.label, score: b.present ?? b.score, scores: s.map((x) => x.score) };
  });
  await repo.upsertPredictions(store, set.id, modelId, preds);
}
