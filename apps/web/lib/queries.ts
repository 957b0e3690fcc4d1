// GraphQL documents, validated against the API's schema by graphql-codegen, which writes their result and variable
// types to lib/generated/graphql.ts (aliases the pages use: lib/results.ts). Keep them lean (the API enforces cost limits).

export const CLIP_FIELDS = `
  id path name folder format container codec bitDepth decoder description ucs { catId category subcategory } sampleRate channels durationSec sizeBytes tags waveform audioUrl mimeType
`;

const HIT_FIELDS = `
  scoreKind calibration { kind source goodMatch } unknownWords noGoodMatch
  hits { cursor score good cosine fusedScore startSec endSec vectorRank keywordRank matchedTerms clip { ${CLIP_FIELDS} } }
  pageInfo { hasNextPage endCursor }
  totalCount totalCountExact
`;

export const STATUS = `query Status { health { ok backend clips segments version } model { name version isDemo featureMode } }`;

export const FACETS = `query Facets { facets { formats containers codecs bitDepths ucsCategories sampleRates channels tags minDurationSec maxDurationSec } labelSets { id name labels } }`;

export const PREDICTED_LABELS = `query PredictedLabels($labelSet: ID!) { predictedLabels(labelSet: $labelSet) { label count } }`;

export const SEARCH = `query Search($query: String!, $filter: ClipFilter, $first: Int, $after: String, $hybrid: Boolean, $weak: Boolean) {
  searchByText(query: $query, filter: $filter, first: $first, after: $after, hybrid: $hybrid, weak: $weak) { ${HIT_FIELDS} }
}`;

export const SIMILAR = `query Similar($clip: ID, $audio: ID, $filter: ClipFilter, $first: Int, $after: String, $weak: Boolean) {
  similarTo(clip: $clip, audio: $audio, filter: $filter, first: $first, after: $after, weak: $weak) { ${HIT_FIELDS} }
}`;

export const NEAR_DUPLICATES = `query NearDuplicates($clip: ID, $maxDistance: Float, $first: Int) {
  nearDuplicates(clip: $clip, maxDistance: $maxDistance, first: $first) {
    distance identical a { ${CLIP_FIELDS} } b { ${CLIP_FIELDS} }
  }
}`;

export const NEAR_DUPLICATES_STATUS = `query NearDuplicatesStatus { nearDuplicatesStatus { computedAt stale job { id status processed total } } }`;

export const CLIP = `query Clip($id: ID!) { clip(id: $id) { ${CLIP_FIELDS}
  embedded { title description comment keywords artist album originator category subcategory catId library } predictions { label score labelSet { id name } } } }`;

export const CLIPS = `query Clips($filter: ClipFilter, $first: Int, $after: String) {
  clips(filter: $filter, first: $first, after: $after) { nodes { ${CLIP_FIELDS} predictions { label score labelSet { id name } } } pageInfo { hasNextPage endCursor } totalCount }
}`;

export const FOLDERS = `query Folders($prefix: String) { folders(prefix: $prefix) { path name clipCount } }`;

export const CLASSIFY = `query Classify($clip: ID, $audio: ID, $labels: [String!], $labelSet: ID, $template: String, $multiLabel: Boolean) {
  classify(clip: $clip, audio: $audio, labels: $labels, labelSet: $labelSet, template: $template, multiLabel: $multiLabel) {
    scores { label score cosine present unknownWords } best { label score cosine present } multiLabel template noneOfThese
    windows { startSec endSec best { label score cosine } }
  }
}`;

export const LABEL_SETS = `query LabelSets { labelSets { id name labels template multiLabel updatedAt } }`;

export const CREATE_LABEL_SET = `mutation CreateLabelSet($input: LabelSetInput!) { createLabelSet(input: $input) { id name } }`;
export const UPDATE_LABEL_SET = `mutation UpdateLabelSet($id: ID!, $input: LabelSetInput!) { updateLabelSet(id: $id, input: $input) { id name } }`;
export const DELETE_LABEL_SET = `mutation DeleteLabelSet($id: ID!) { deleteLabelSet(id: $id) }`;
const JOB_FIELDS = `id kind status total processed failed error startedAt finishedAt`;

export const CLASSIFY_LIBRARY = `mutation ClassifyLibrary($labelSet: ID!, $filter: ClipFilter) { classifyLibrary(labelSet: $labelSet, filter: $filter) { ${JOB_FIELDS} } }`;
export const JOB = `query Job($id: ID!) { job(id: $id) { ${JOB_FIELDS} } }`;

const RUN_FIELDS = `id root status reindex totalFiles processedFiles skippedFiles failedFiles missingFiles audioSeconds
  filesPerSec audioHoursPerSec etaSec error startedAt updatedAt finishedAt`;

export const INGEST_RUNS = `query IngestRuns { ingestRuns(first: 10) { ${RUN_FIELDS} } ingestRoots }`;
export const INGEST_RUN = `query IngestRun($id: ID!) { ingestRun(id: $id) { ${RUN_FIELDS} failures(first: 100) { path code message } } }`;
export const START_INGEST = `mutation StartIngest($path: String!, $reindex: Boolean) { startIngest(path: $path, reindex: $reindex) { ${RUN_FIELDS} } }`;
export const CANCEL_INGEST = `mutation CancelIngest($id: ID!) { cancelIngest(id: $id) { id status } }`;

export const SET_CLIP_TAGS = `mutation SetClipTags($id: ID!, $tags: [String!]!) { setClipTags(id: $id, tags: $tags) { id tags } }`;
export const EDIT_CLIP_TAGS = `mutation EditClipTags($ids: [ID!]!, $add: [String!], $remove: [String!]) { editClipTags(ids: $ids, add: $add, remove: $remove) { id tags } }`;
