/** eval/: the quality benchmark (`npm run eval`): labelled folder → real pipeline → figures with chance levels. */
export { readLabelledFolder, parseCsv, type LabelledFolder, type LabelledItem } from './labels.js';
export { averagePrecision, expectedCalibrationError, mean, precisionAt, randomAveragePrecision } from './metrics.js';
export { evaluate, linkLibrary, runEval, type EvalReport, type Figure, type RetrievalFigures, type RunEvalOptions } from './run.js';
export { figureRows, formatReport } from './report.js';
