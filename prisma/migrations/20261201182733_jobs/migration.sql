-- CreateTable
CREATE TABLE "Job" (
    "id" SERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "modelId" INTEGER NOT NULL,
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "total" INTEGER NOT NULL DEFAULT 0,
    "processed" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "cursor" TEXT,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Job_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NearPair" (
    "jobId" INTEGER NOT NULL,
    "modelId" INTEGER NOT NULL,
    "ha" TEXT NOT NULL,
    "hb" TEXT NOT NULL,
    "distance" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "NearPair_pkey" PRIMARY KEY ("jobId","ha","hb")
);

-- CreateIndex
CREATE INDEX "Job_kind_modelId_status_idx" ON "Job"("kind", "modelId", "status");

-- CreateIndex
CREATE INDEX "NearPair_jobId_distance_idx" ON "NearPair"("jobId", "distance");

-- AddForeignKey
ALTER TABLE "Job" ADD CONSTRAINT "Job_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "EmbeddingModel"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NearPair" ADD CONSTRAINT "NearPair_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "Job"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NearPair" ADD CONSTRAINT "NearPair_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "EmbeddingModel"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written: one unfinished job per key, however many callers race (enqueue's INSERT … ON CONFLICT infers
-- it from this literal predicate). USING btree marks it as hand-written for migration:create.
CREATE UNIQUE INDEX "Job_one_unfinished" ON "Job" USING btree (key) WHERE status IN ('queued', 'running');
