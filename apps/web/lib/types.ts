// Types mirroring apps/api/src/graphql/schema.graphql (the contract), only the fields the app asks for.

export interface Clip {
  id: string;
  path: string;
  name: string;
  folder: string;
  format: string;
  container: string | null;
  codec: string | null;
  bitDepth: number | null;
  decoder: string | null;
  description: string | null;
  embedded?: Record<string, string | null>;
  ucs: { catId: string; category: string; subcategory: string | null } | null;
  sampleRate: number;
  channels: number;
  durationSec: number;
  sizeBytes: number;
  tags: string[];
  waveform: number[];
  audioUrl: string;
  predictions?: { label: string; score: number; labelSet: { id: string; name: string } }[];
}

export interface Hit {
  cursor: string;
  clip: Clip;
  /** The value the list is ordered by: show this one. */
  score: number;
  cosine: number;
  /** Hybrid lists only: the fused rank score, a part of the score. */
  fusedScore: number | null;
  /** At or above the model's cutoff. */
  good: boolean;
  startSec: number;
  endSec: number;
  vectorRank: number | null;
  keywordRank: number | null;
  matchedTerms: string[];
}

export interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface SearchConnection {
  scoreKind: 'RELEVANCE' | 'COSINE' | 'FUSED';
  calibration: { kind: 'BUNDLE' | 'LIBRARY'; source: string; goodMatch: number } | null;
  unknownWords: string[];
  noGoodMatch: string | null;
  hits: Hit[];
  pageInfo: PageInfo;
  totalCount: number;
  /** False: totalCount is a lower bound (more good matches than the API counts). */
  totalCountExact: boolean;
}

export interface ClipConnection {
  nodes: Clip[];
  pageInfo: PageInfo;
  totalCount: number;
}

export interface ClipFilter {
  minDurationSec?: number;
  maxDurationSec?: number;
  formats?: string[];
  codecs?: string[];
  bitDepths?: number[];
  ucsCategories?: string[];
  sampleRates?: number[];
  folderPrefix?: string;
  tags?: string[];
  predictedLabel?: { labelSet: string; label: string; minScore?: number };
}

export interface Facets {
  formats: string[];
  containers: string[];
  codecs: string[];
  bitDepths: number[];
  ucsCategories: string[];
  sampleRates: number[];
  channels: number[];
  tags: string[];
  minDurationSec: number;
  maxDurationSec: number;
}

export interface LabelScore {
  label: string;
  score: number;
  cosine: number;
  /** Calibrated probability that the label is present on its own (null without a calibration). */
  present?: number | null;
  unknownWords?: string[];
}

export interface Classification {
  scores: LabelScore[];
  best: LabelScore;
  multiLabel: boolean;
  template: string;
  /** No label is present: the clip is none of these (null without a calibration). */
  noneOfThese?: boolean | null;
  windows: { startSec: number; endSec: number; best: LabelScore }[];
}

export interface LabelSet {
  id: string;
  name: string;
  labels: string[];
  template: string;
  multiLabel: boolean;
  updatedAt: string;
}

export interface LabelCount {
  label: string;
  count: number;
}

export type IngestStatus = 'QUEUED' | 'SCANNING' | 'RUNNING' | 'DONE' | 'FAILED' | 'CANCELLED';

export interface IngestRun {
  id: string;
  root: string;
  status: IngestStatus;
  reindex: boolean;
  totalFiles: number;
  processedFiles: number;
  skippedFiles: number;
  failedFiles: number;
  missingFiles: number;
  audioSeconds: number;
  filesPerSec: number;
  audioHoursPerSec: number;
  etaSec: number | null;
  error: string | null;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
  failures?: { path: string; code: string; message: string }[];
}

export interface DuplicatePair {
  a: Clip;
  b: Clip;
  distance: number;
  identical: boolean;
}

export interface Folder {
  path: string;
  name: string;
  clipCount: number;
}
