/** The eval report as a table for the terminal. */
import type { EvalReport, Figure } from './run.js';

const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)} %`);

/** Rows of (figure name, figure), in the order the table prints them. */
export function figureRows(r: EvalReport): [string, Figure][] {
  const t = r.textToAudio;
  return [
    ['zero-shot top-1 (all labels)', r.zeroShotTop1],
    ['zero-shot top-1, prompt ensemble', r.zeroShotTop1Ensemble],
    ['text→audio P@5, vector', t.vector.p5],
    ['text→audio P@10, vector', t.vector.p10],
    ['text→audio mAP, vector', t.vector.map],
    ['text→audio P@5, hybrid', t.hybrid.p5],
    ['text→audio P@10, hybrid', t.hybrid.p10],
    ['text→audio mAP, hybrid', t.hybrid.map],
    ['text→audio P@5, hybrid, names hidden', t.hybridNamesHidden.p5],
    ['text→audio P@10, hybrid, names hidden', t.hybridNamesHidden.p10],
    ['text→audio mAP, hybrid, names hidden', t.hybridNamesHidden.map],
    ['audio→audio same-label P@5', r.audioToAudioP5],
    ['audio→audio same-label P@5, all clips', r.audioToAudioP5AllClips],
    ['cutoff precision (hybrid, names hidden)', r.cutoff.precision],
    ['cutoff recall (hybrid, names hidden)', r.cutoff.recall],
    ['labels with unknown words: no good match', r.cutoff.unknownLabelsEmpty],
    ['classify ECE (lower is better)', r.classify.ece],
    ['classify presence ECE (lower is better)', r.classify.presenceEce],
    ['classify "none of these", own label left out', r.classify.noneOfTheseRate],
    ['classify open-set top-1 (all labels)', r.classify.openSetTop1],
  ];
}

export function formatReport(r: EvalReport): string {
  const rows = figureRows(r);
  const w = Math.max(...rows.map(([k]) => k.length));
  const lines = [
    `quality of ${r.model.name} (${r.model.version}) on ${r.folder}`,
    `  ${r.clips} clips, ${r.labels} labels, prompt ${JSON.stringify(r.template)}; ${r.failed.length} failed, ${r.missing.length} missing`,
    '',
    `  ${'figure'.padEnd(w)}  ${'value'.padStart(8)}  ${'chance'.padStart(8)}  ${'n'.padStart(4)}`,
    ...rows.map(([k, f]) => `  ${k.padEnd(w)}  ${pct(f.value).padStart(8)}  ${pct(f.chance).padStart(8)}  ${String(f.n).padStart(4)}${f.note ? `  ${f.note}` : ''}`),
  ];
  lines.push('', `  cutoff: ${r.cutoff.calibration}`);
  if (r.failed.length) lines.push('', '  failed:', ...r.failed.map((f) => `    ${f.code}  ${f.file}  ${f.message}`));
  if (r.missing.length) lines.push('', `  missing (in labels.csv, not on disk): ${r.missing.join(', ')}`);
  lines.push('', `  ${r.seconds.total.toFixed(1)} s (ingest ${r.seconds.ingest.toFixed(1)} s, queries ${r.seconds.evaluate.toFixed(1)} s)`);
  return lines.join('\n');
}
