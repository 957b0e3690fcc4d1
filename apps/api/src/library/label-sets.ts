/** Saved label sets (the lists zero-shot classification offers) and the predictions stored for them. */
import { EarshotError } from '../errors.js';
import { intId, isId } from '../ids.js';
import type { LabelSetRow, Store, StoredPrediction } from '../store/index.js';
import * as repo from '../store/index.js';
import { checkText, DEFAULT_TEXT_LIMITS, type TextLimits } from './text.js';

export type { LabelSetRow, StoredPrediction } from '../store/index.js';

export const DEFAULT_TEMPLATE = 'This is a sound of {}.';

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
export function checkTemplate(template: string | null | undefined, limits: TextLimits): string {
  return template == null ? DEFAULT_TEMPLATE : checkText(template, { ...limits, maxQueryWords: limits.maxQueryChars }, 'template');
}

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
  if (await repo.labelSetNameTaken(store, name, exceptId))
    throw new EarshotError('BAD_USER_INPUT', `a label set named ${JSON.stringify(name)} exists already`, { subject: 'name' });
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
