-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateExtension
CREATE EXTENSION IF NOT EXISTS "vector";

-- CreateTable
CREATE TABLE "EmbeddingModel" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "dim" INTEGER NOT NULL,
    "featureMode" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EmbeddingModel_pkey" PRIMARY KEY ("id")
);

-- Hand-written: full-text words for a clip. IMMUTABLE is required for a generated column;
-- array_to_string is only STABLE in general but immutable for text[]. 'simple' (no stemming,
-- no stop words) because names are file names, not prose; _ - / . \ split words
-- ("dog_bark-02.wav" -> dog, bark, 02, wav). Name and tags weigh more than the folder path.
CREATE FUNCTION "earshot_clip_words"(name TEXT, path TEXT, tags TEXT[]) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN setweight(to_tsvector('simple'::regconfig, regexp_replace(coalesce(name, ''), '[-_./\\]+', ' ', 'g')), 'A')
    || setweight(to_tsvector('simple'::regconfig, regexp_replace(coalesce(array_to_string(tags, ' '), ''), '[-_./\\]+', ' ', 'g')), 'A')
    || setweight(to_tsvector('simple'::regconfig, regexp_replace(coalesce(path, ''), '[-_./\\]+', ' ', 'g')), 'B');

-- Hand-written: the matching query side, so "dog_bark" typed by a user finds the same words.
CREATE FUNCTION "earshot_words_query"(q TEXT) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN plainto_tsquery('simple'::regconfig, regexp_replace(coalesce(q, ''), '[-_./\\]+', ' ', 'g'));

-- CreateTable
CREATE TABLE "Clip" (
    "id" SERIAL NOT NULL,
    "path" TEXT NOT NULL,
    "folder" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "contentHash" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "codec" TEXT,
    "sampleRate" INTEGER NOT NULL,
    "channels" INTEGER NOT NULL,
    "durationSec" DOUBLE PRECISION NOT NULL,
    "sizeBytes" BIGINT NOT NULL,
    "mtime" TIMESTAMP(3) NOT NULL,
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "peaks" DOUBLE PRECISION[] DEFAULT ARRAY[]::DOUBLE PRECISION[],
    "status" TEXT NOT NULL DEFAULT 'active',
    "search" tsvector GENERATED ALWAYS AS ("earshot_clip_words"("name", "path", "tags")) STORED,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Clip_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Segment" (
    "id" SERIAL NOT NULL,
    "contentHash" TEXT NOT NULL,
    "modelId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "startSec" DOUBLE PRECISION NOT NULL,
    "endSec" DOUBLE PRECISION NOT NULL,
    "embedding" vector(512) NOT NULL,

    CONSTRAINT "Segment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IngestRun" (
    "id" SERIAL NOT NULL,
    "root" TEXT NOT NULL,
    "modelId" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "reindex" BOOLEAN NOT NULL DEFAULT false,
    "totalFiles" INTEGER NOT NULL DEFAULT 0,
    "processedFiles" INTEGER NOT NULL DEFAULT 0,
    "skippedFiles" INTEGER NOT NULL DEFAULT 0,
    "failedFiles" INTEGER NOT NULL DEFAULT 0,
    "missingFiles" INTEGER NOT NULL DEFAULT 0,
    "audioSeconds" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "error" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "IngestRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IngestFile" (
    "id" SERIAL NOT NULL,
    "runId" INTEGER NOT NULL,
    "path" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "errorCode" TEXT,
    "errorMessage" TEXT,
    "contentHash" TEXT,
    "durationSec" DOUBLE PRECISION,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "IngestFile_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LabelSet" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "labels" TEXT[],
    "template" TEXT NOT NULL DEFAULT 'This is a sound of {}.',
    "multiLabel" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "LabelSet_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Prediction" (
    "id" SERIAL NOT NULL,
    "contentHash" TEXT NOT NULL,
    "labelSetId" INTEGER NOT NULL,
    "modelId" INTEGER NOT NULL,
    "label" TEXT NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    "scores" DOUBLE PRECISION[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Prediction_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "EmbeddingModel_name_version_key" ON "EmbeddingModel"("name", "version");

-- CreateIndex
CREATE UNIQUE INDEX "Clip_path_key" ON "Clip"("path");

-- CreateIndex
CREATE INDEX "Clip_contentHash_idx" ON "Clip"("contentHash");

-- CreateIndex
CREATE INDEX "Clip_folder_idx" ON "Clip"("folder");

-- CreateIndex
CREATE INDEX "Segment_modelId_contentHash_idx" ON "Segment"("modelId", "contentHash");

-- CreateIndex
CREATE UNIQUE INDEX "Segment_contentHash_modelId_kind_startSec_key" ON "Segment"("contentHash", "modelId", "kind", "startSec");

-- CreateIndex
CREATE INDEX "IngestFile_runId_status_idx" ON "IngestFile"("runId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "IngestFile_runId_path_key" ON "IngestFile"("runId", "path");

-- CreateIndex
CREATE UNIQUE INDEX "LabelSet_name_key" ON "LabelSet"("name");

-- CreateIndex
CREATE INDEX "Prediction_labelSetId_label_idx" ON "Prediction"("labelSetId", "label");

-- CreateIndex
CREATE UNIQUE INDEX "Prediction_contentHash_labelSetId_modelId_key" ON "Prediction"("contentHash", "labelSetId", "modelId");

-- AddForeignKey
ALTER TABLE "Segment" ADD CONSTRAINT "Segment_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "EmbeddingModel"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IngestRun" ADD CONSTRAINT "IngestRun_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "EmbeddingModel"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IngestFile" ADD CONSTRAINT "IngestFile_runId_fkey" FOREIGN KEY ("runId") REFERENCES "IngestRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Prediction" ADD CONSTRAINT "Prediction_labelSetId_fkey" FOREIGN KEY ("labelSetId") REFERENCES "LabelSet"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Prediction" ADD CONSTRAINT "Prediction_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "EmbeddingModel"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Hand-written (Prisma cannot express these indexes; migration:create strips their DROP INDEX).
-- Cosine HNSW over every model's segments; queries filter by "modelId" and rely on
-- hnsw.iterative_scan (set per session by the store) to still return LIMIT rows.
-- m = 16, ef_construction = 64: pgvector defaults.
CREATE INDEX "Segment_embedding_hnsw" ON "Segment" USING hnsw ("embedding" vector_cosine_ops);

-- Full-text search over clip names, paths and tags.
CREATE INDEX "Clip_search_gin" ON "Clip" USING gin ("search");
