// The shapes the pages hold: aliases of the operation result types graphql-codegen writes from lib/queries.ts
// (lib/generated/graphql.ts, validated against the API's schema), never hand-written copies of them.
import type * as Op from './generated/graphql';

export type { ClipFilter, IngestStatus } from './generated/graphql';

/** A search or similarity list (both ask for HIT_FIELDS). */
export type SearchConnection = Op.SearchQuery['searchByText'] | Op.SimilarQuery['similarTo'];
export type Hit = SearchConnection['hits'][number];
export type PageInfo = SearchConnection['pageInfo'];

/** A clip with the fields every list asks for (CLIP_FIELDS). */
export type Clip = Hit['clip'];
export type ClipConnection = Op.ClipsQuery['clips'];
/** A clip of the library list: with its stored predictions. */
export type ListedClip = ClipConnection['nodes'][number];
/** A clip as its own page has it: predictions and the embedded description fields too. */
export type ClipDetail = NonNullable<Op.ClipQuery['clip']>;

export type Facets = Op.FacetsQuery['facets'];
export type Folder = Op.FoldersQuery['folders'][number];
export type DuplicatePair = Op.NearDuplicatesQuery['nearDuplicates'][number];

export type LabelSet = Op.LabelSetsQuery['labelSets'][number];
export type LabelCount = Op.PredictedLabelsQuery['predictedLabels'][number];
/** A background job as classifyLibrary returns it and job(id) polls it. */
export type Job = Op.ClassifyLibraryMutation['classifyLibrary'];
export type Classification = Op.ClassifyQuery['classify'];
export type LabelScore = Classification['scores'][number];

export type IngestRun = Op.IngestRunsQuery['ingestRuns'][number];
/** A run as its own page has it: with its failures. */
export type IngestRunDetail = NonNullable<Op.IngestRunQuery['ingestRun']>;
