-- activeClipsOfContents
SELECT c.id, c."contentHash" AS h FROM "Clip" c
      WHERE c.status = 'active' AND (c."contentHash" = ANY($1::text[])
         OR c."contentHash" IN (SELECT "contentHash" FROM "Clip" WHERE status = 'active' GROUP BY "contentHash" HAVING count(*) > 1));

-- activeClipsPerFolder
select "folder", count(*) as "n" from "Clip" where "status" = $1 group by "folder" order by "folder";

-- activeRunFor
select "id" from "IngestRun" where "root" = $1 and "modelId" = $2 and "reindex" = $3 and status IN ('queued', 'scanning', 'running') order by "id" desc limit $4;

-- activeRunIds
select "id" from "IngestRun" where "modelId" = $1 and status IN ('queued', 'scanning', 'running') order by "id";

-- allLabelSets
select "id", "name", "labels", "template", "multiLabel", "createdAt", "updatedAt" from "LabelSet" order by "name", "id";

-- analyzeSearchTables
ANALYZE "Clip", "Segment";
SELECT gin_clean_pending_list(i::regclass) FROM unnest(ARRAY['"Clip_search_gin"', '"Clip_descriptionSearch_gin"']) AS i;

-- buildNewVectorIndex
CREATE INDEX CONCURRENTLY "Segment_embedding_hnsw_new" ON "Segment" USING hnsw ("embedding" vector_cosine_ops) WITH (m = 8, ef_construction = 32);

-- claimJob
update "Job" set "status" = $1, "startedAt" = coalesce("startedAt", now()), "updatedAt" = now() where "id" = $2::int and ("status" = $3 or ("status" = $4 and "updatedAt" <= now() - make_interval(secs => $5::float8))) returning "id", "kind", "key", "modelId", "payload", "status", "total", "processed", "failed", "cursor", "error", "createdAt", "startedAt", "updatedAt", "finishedAt";

-- clipById
select "c"."id", "c"."path", "c"."name", "c"."folder", "c"."format", "c"."container", "c"."codec", "c"."bitDepth", "c"."decoder", "c"."embedded", "c"."description", "c"."ucsCatId", "c"."ucsCategory", "c"."ucsSubcategory", "c"."sampleRate", "c"."channels", "c"."durationSec", "c"."sizeBytes", "c"."mtime", "c"."tags", "c"."peaks", "c"."status", "c"."contentHash" from "Clip" as "c" where "c"."id" = $1;

-- clipFacets
select min("durationSec") as "lo", max("durationSec") as "hi" from "Clip" where "status" = $1;
select distinct "format" as "v" from "Clip" where "status" = $1 and "format" is not null order by "v";
select distinct "container" as "v" from "Clip" where "status" = $1 and "container" is not null order by "v";
select distinct "codec" as "v" from "Clip" where "status" = $1 and "codec" is not null order by "v";
select distinct "ucsCategory" as "v" from "Clip" where "status" = $1 and "ucsCategory" is not null order by "v";
select distinct "bitDepth" as "v" from "Clip" where "status" = $1 and "bitDepth" is not null order by "v";
select distinct "sampleRate" as "v" from "Clip" where "status" = $1 and "sampleRate" is not null order by "v";
select distinct "channels" as "v" from "Clip" where "status" = $1 and "channels" is not null order by "v";
select distinct unnest(tags) as "v" from "Clip" where "status" = $1 order by "v";

-- clipTableEstimate
SELECT reltuples::float8 AS t, relpages AS p FROM pg_class WHERE oid = '"Clip"'::regclass;

-- clipVectors
select "contentHash", embedding::text as "v" from "Segment" where "modelId" = $1::int and "kind" = $2 and "contentHash" = ANY($3::text[]);

-- clipsByIds
select "c"."id", "c"."path", "c"."name", "c"."folder", "c"."format", "c"."container", "c"."codec", "c"."bitDepth", "c"."decoder", "c"."embedded", "c"."description", "c"."ucsCatId", "c"."ucsCategory", "c"."ucsSubcategory", "c"."sampleRate", "c"."channels", "c"."durationSec", "c"."sizeBytes", "c"."mtime", "c"."tags", "c"."peaks", "c"."status", "c"."contentHash" from "Clip" as "c" where "c"."id" = ANY($1::int[]);

-- clipsInPathOrder
select "c"."id", "c"."path", "c"."name", "c"."folder", "c"."format", "c"."container", "c"."codec", "c"."bitDepth", "c"."decoder", "c"."embedded", "c"."description", "c"."ucsCatId", "c"."ucsCategory", "c"."ucsSubcategory", "c"."sampleRate", "c"."channels", "c"."durationSec", "c"."sizeBytes", "c"."mtime", "c"."tags", "c"."peaks", "c"."status", "c"."contentHash" from "Clip" as "c" where c.status = $1 AND c."durationSec" >= $2::float8 AND c.format = ANY($3::text[]) AND starts_with(c.folder, $4) and (c.path, c.id) > ($5, $6::int) order by "c"."path", "c"."id" limit $7::int;

-- clipsNear
SELECT $1::int AS a, c.id AS b, s.embedding <=> $2::vector AS d
      FROM "Segment" s JOIN "Clip" c ON c."contentHash" = s."contentHash"
     WHERE s."modelId" = $3::int AND s.kind = 'clip' AND c.status = 'active' AND c.id <> $4::int AND (s.embedding <=> $5::vector) <= $6::float8
     ORDER BY d, c.id LIMIT $7::int;

-- countClips
select count(*) as "n" from "Clip" as "c" where c.status = $1 AND c."durationSec" >= $2::float8 AND c.format = ANY($3::text[]) AND starts_with(c.folder, $4);

-- countDoneWithContent
select count(*) as "n" from "IngestFile" where "runId" = $1 and "contentHash" = $2 and "status" = $3 and "id" <> $4;

-- countEmbeddedClips
select count(*) as "n" from "Clip" as "c" where c.status = $1 AND c."durationSec" >= $2::float8 AND c.format = ANY($3::text[]) AND starts_with(c.folder, $4) and EXISTS (SELECT 1 FROM "Segment" e WHERE e."contentHash" = c."contentHash" AND e."modelId" = $5::int AND e.kind = 'clip') and "c"."id" <> $6::int;

-- countRunFiles
select count(*) as "n" from "IngestFile" where "runId" = $1;

-- deleteClipRow
delete from "Clip" where "id" = $1;
select count(*) as "n" from "Clip" where "contentHash" = $1;

-- deleteLabelSetRow
delete from "LabelSet" where "id" = $1::int;

-- deleteNearPairsExcept
delete from "NearPair" where "modelId" = $1::int and "jobId" <> $2::int;

-- deletePredictionsOfSet
delete from "Prediction" where "labelSetId" = $1::int;

-- dropNewVectorIndex
DROP INDEX IF EXISTS "Segment_embedding_hnsw_new";

-- dropOrphanContent
select count(*) as "n" from "Clip" where "contentHash" = $1;

-- embeddedContentPage
select "c"."contentHash" as "h", count(*) as "n" from "Clip" as "c" where c.status = $1 and EXISTS (SELECT 1 FROM "Segment" e WHERE e."contentHash" = c."contentHash" AND e."modelId" = $2::int AND e.kind = 'clip') group by "c"."contentHash" order by "c"."contentHash" limit $3::int;

-- embeddedContents
select distinct "c"."contentHash" as "h" from "Clip" as "c" where c.status = $1 and EXISTS (SELECT 1 FROM "Segment" e WHERE e."contentHash" = c."contentHash" AND e."modelId" = $2::int AND e.kind = 'clip') order by "h";

-- endJob
update "Job" set "status" = $1, "error" = $2, "finishedAt" = now(), "updatedAt" = now() where "id" = $3::int and status IN ('queued', 'running') returning "id";

-- endRun
update "IngestRun" set "status" = $1, "finishedAt" = now(), "updatedAt" = now() where "id" = $2 and status IN ('queued', 'scanning', 'running');

-- ensureModel
insert into "EmbeddingModel" ("name", "version", "dim", "featureMode") values ($1, $2, $3::int, $4) on conflict ("name", "version") do nothing;
select "id", "dim", "featureMode" from "EmbeddingModel" where "name" = $1 and "version" = $2;

-- failuresOfRuns
select "runId", "path", "errorCode", "errorMessage" from (select "runId", "path", "errorCode", "errorMessage", row_number() OVER (PARTITION BY "runId" ORDER BY path) as "n" from "IngestFile" where "runId" = ANY($1::int[]) and "status" = $2) as "f" where "n" <= $3 order by "runId", "n";

-- fileAndRunStatus
select "f"."status", "r"."status" as "runStatus" from "IngestFile" as "f" inner join "IngestRun" as "r" on "r"."id" = "f"."runId" where "f"."id" = $1;

-- filteredSegmentCount
SELECT count(*)::int AS n FROM (SELECT 1 FROM "Segment" s JOIN "Clip" c ON c."contentHash" = s."contentHash"
      WHERE s."modelId" = $1::int AND c.status = $2 AND starts_with(c.folder, $3) AND c.id <> $4::int LIMIT $5::int) x;

-- finishRunIfNothingPending
update "IngestRun" set "status" = $1, "finishedAt" = now(), "updatedAt" = now() where "id" = $2 and "status" = $3 and not exists (select 1 as "one" from "IngestFile" where "runId" = $4 and "status" = $5) returning "id";

-- hasClipVector
select count(*) as "n" from "Segment" where "contentHash" = $1 and "modelId" = $2 and "kind" = $3;

-- ingestedRoots
select distinct "root" from "IngestRun";

-- innermostRootOf
select "root" from "IngestRun" where starts_with($1, CASE WHEN right(root, 1) = '/' THEN root ELSE root || '/' END) order by length(root) desc limit $2;

-- insertFailedFiles
INSERT INTO "IngestFile" ("runId", path, status, "errorCode", "errorMessage", "updatedAt")
       SELECT $1, t.p, 'failed', t.c, t.m, now() FROM unnest($2::text[], $3::text[], $4::text[]) AS t(p, c, m)
       ON CONFLICT ("runId", path) DO UPDATE SET status = 'failed', "errorCode" = EXCLUDED."errorCode", "errorMessage" = EXCLUDED."errorMessage", "updatedAt" = now();

-- insertJob
insert into "Job" ("kind", "key", "modelId", "payload", "status", "updatedAt") values ($1, $2, $3::int, $4, $5, now()) on conflict ("key") where status IN ('queued', 'running') do nothing returning "id";

-- insertLabelSet
insert into "LabelSet" ("name", "labels", "template", "multiLabel", "updatedAt") values ($1, $2::text[], $3, $4, now()) returning "id", "name", "labels", "template", "multiLabel", "createdAt", "updatedAt";

-- insertNearPairs
INSERT INTO "NearPair" ("jobId", "modelId", ha, hb, distance)
       SELECT $1::int, $2::int, t.a, t.b, t.d FROM unnest($3::text[], $4::text[], $5::float8[]) AS t(a, b, d)
       ON CONFLICT ("jobId", ha, hb) DO NOTHING;

-- insertPendingFiles
INSERT INTO "IngestFile" ("runId", path, status, "updatedAt")
       SELECT $1, p, 'pending', now() FROM unnest($2::text[]) AS p
       ON CONFLICT ("runId", path) DO NOTHING;

-- insertQueuedRun
insert into "IngestRun" ("root", "modelId", "status", "reindex", "startedAt", "updatedAt") values ($1, $2, $3, $4, now(), now()) on conflict ("root", "modelId", "reindex") where status IN ('queued', 'scanning', 'running') do nothing returning "id";

-- jobById
select "id", "kind", "key", "modelId", "payload", "status", "total", "processed", "failed", "cursor", "error", "createdAt", "startedAt", "updatedAt", "finishedAt" from "Job" where "id" = $1::int;

-- keywordHits
WITH cand AS MATERIALIZED (
        SELECT * FROM ((SELECT c.id, c."contentHash" AS h, (c.search || coalesce(c."descriptionSearch", ''::tsvector)) AS doc FROM "Clip" c WHERE (c.search @@ to_tsquery('simple', $1) OR c."descriptionSearch" @@ to_tsquery('simple', $2)) AND NOT (c.search @@ to_tsquery('simple', $3) OR c."descriptionSearch" @@ to_tsquery('simple', $4)) AND c.status = $5 LIMIT $6::int) UNION ALL (SELECT c.id, c."contentHash" AS h, (c.search || coalesce(c."descriptionSearch", ''::tsvector)) AS doc FROM "Clip" c WHERE (c.search @@ to_tsquery('simple', $7) OR c."descriptionSearch" @@ to_tsquery('simple', $8)) AND c.status = $9 LIMIT $10::int)) u LIMIT $11::int)
      SELECT r.id, ARRAY(SELECT DISTINCT l FROM unnest(tsvector_to_array(r.doc)) AS l WHERE l = ANY($12::text[])) AS matched, b."startSec", b."endSec", b.sim
        FROM (SELECT c.id, c.h, c.doc, ts_rank('{0.1, 0.2, 0.4, 1.0}', c.doc, to_tsquery('simple', $13)) AS rank FROM cand c ORDER BY rank DESC, c.id) r
       CROSS JOIN LATERAL (SELECT s."startSec", s."endSec", 1 - (s.embedding <=> $14::vector) AS sim FROM "Segment" s
           WHERE s."contentHash" = r.h AND s."modelId" = $15::int ORDER BY s."contentHash", s.embedding <=> $16::vector LIMIT 1) b
       ORDER BY r.rank DESC, r.id
       LIMIT $17::int;

-- keywordStatistics
WITH has AS MATERIALIZED (SELECT EXISTS (SELECT 1 FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'Clip' AND attname = 'search' AND most_common_elems IS NOT NULL) AS stats)
     SELECT u.e AS lex, max(u.f)::float8 AS f, (SELECT stats FROM has) AS stats FROM pg_stats s
      CROSS JOIN LATERAL unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs[1:cardinality(s.most_common_elems::text::text[])]) AS u(e, f)
      WHERE s.schemaname = current_schema() AND s.tablename = 'Clip' AND s.attname IN ('search', 'descriptionSearch')
      GROUP BY u.e
     UNION ALL SELECT NULL, NULL, (SELECT stats FROM has);

-- labelCounts
select "p"."label", count("c"."id") as "n" from "Prediction" as "p" inner join "Clip" as "c" on "c"."contentHash" = "p"."contentHash" and "c"."status" = $1 where "p"."labelSetId" = $2::int and "p"."modelId" = $3::int group by "p"."label" order by "n" desc, "p"."label";

-- labelSetById
select "id", "name", "labels", "template", "multiLabel", "createdAt", "updatedAt" from "LabelSet" where "id" = $1::int;

-- labelSetNameTaken
select "id" from "LabelSet" where "name" = $1 and "id" <> $2::int;

-- labelSetsByIds
select "id", "name", "labels", "template", "multiLabel", "createdAt", "updatedAt" from "LabelSet" where "id" = ANY($1::int[]);

-- lastEmbeddingChange
select max(coalesce("finishedAt", "updatedAt")) as "at" from "IngestRun" where "modelId" = $1 and "processedFiles" > $2;

-- latestJobs
select "id", "kind", "key", "modelId", "payload", "status", "total", "processed", "failed", "cursor", "error", "createdAt", "startedAt", "updatedAt", "finishedAt" from "Job" where "kind" = $1 order by "id" desc limit $2;

-- latestRuns
select "id", "root", "modelId", "status", "reindex", "totalFiles", "processedFiles", "skippedFiles", "failedFiles", "missingFiles", "audioSeconds", "error", "startedAt", "updatedAt", "finishedAt" from "IngestRun" order by "id" desc limit $1;

-- lexemesPresent
SELECT x AS lex FROM unnest($1::text[]) AS x WHERE EXISTS (SELECT 1 FROM "Clip" c WHERE (c.search @@ plainto_tsquery('simple', x) OR c."descriptionSearch" @@ plainto_tsquery('simple', x)) AND c.status = $2);

-- librarySize
select count(*) as "c" from "Clip" where "status" = $1;
select count(*) as "s" from "Segment" where "modelId" = $1::int;

-- lockClipAtPath
select "contentHash" from "Clip" where "path" = $1 for update;

-- markFileFailedRow
update "IngestFile" set "status" = $1, "errorCode" = $2, "errorMessage" = $3, "updatedAt" = now() where "id" = $4 and "status" = $5;

-- markFileSettled
update "IngestFile" set "status" = $1, "contentHash" = $2, "durationSec" = $3::float8, "errorCode" = $4, "errorMessage" = $5, "updatedAt" = now() where "id" = $6;

-- markRunRunning
update "IngestRun" set "status" = $1, "missingFiles" = $2, "totalFiles" = (select count(*) as "n" from "IngestFile" where "runId" = $3), "updatedAt" = now() where "id" = $4 and "status" = $5;

-- markRunScanning
update "IngestRun" set "status" = $1, "updatedAt" = now() where "id" = $2 and "status" in ($3, $4);

-- markUnfoundMissing
update "Clip" set "status" = $1, "updatedAt" = now() where starts_with(path, $2) and "status" <> $3 and NOT (path = ANY($4::text[])) and NOT EXISTS (SELECT 1 FROM unnest($5::text[]) AS u(d) WHERE starts_with(path, u.d));
select count(*) as "n" from "Clip" where starts_with(path, $1) and "status" = $2 and NOT (path = ANY($3::text[])) and NOT EXISTS (SELECT 1 FROM unnest($4::text[]) AS u(d) WHERE starts_with(path, u.d));

-- markedClipCount
SELECT clips FROM "LibraryMarker" WHERE id = 1;

-- modelById
select "name", "version" from "EmbeddingModel" where "id" = $1;

-- nearContentPairsOf
SELECT x."contentHash" AS ha, n."contentHash" AS hb, n.d
       FROM "Segment" x
      CROSS JOIN LATERAL (
        SELECT s2."contentHash", s2.embedding <=> x.embedding AS d FROM "Segment" s2
         WHERE s2."modelId" = $1::int AND s2.kind = 'clip' AND s2.id <> x.id
         ORDER BY s2.embedding <=> x.embedding LIMIT $2::int) n
      WHERE x."modelId" = $3::int AND x.kind = 'clip' AND x."contentHash" = ANY($4::text[])
        AND n.d <= $5::float8;

-- nearPairsWithin
select "ha", "hb", "distance" from "NearPair" where "jobId" = $1::int and "distance" <= $2::float8;

-- nearestSegments
SELECT c.id AS "clipId", s."startSec", s."endSec", 1 - (s.embedding <=> $1::vector) AS sim
      FROM "Segment" s JOIN "Clip" c ON c."contentHash" = s."contentHash"
     WHERE s."modelId" = $2::int AND c.status = $3
     ORDER BY s.embedding <=> $4::vector
     LIMIT $5::int;

-- nearestSegmentsExact
WITH cand AS MATERIALIZED (
        SELECT c.id AS "clipId", s."startSec", s."endSec", s.embedding FROM "Segment" s JOIN "Clip" c ON c."contentHash" = s."contentHash"
         WHERE s."modelId" = $1::int AND c.status = $2 AND starts_with(c.folder, $3))
      SELECT "clipId", "startSec", "endSec", 1 - (embedding <=> $4::vector) AS sim FROM cand ORDER BY embedding <=> $5::vector LIMIT $6::int;

-- newestJobOf
select "id", "kind", "key", "modelId", "payload", "status", "total", "processed", "failed", "cursor", "error", "createdAt", "startedAt", "updatedAt", "finishedAt" from "Job" where "kind" = $1 and "modelId" = $2::int and "status" in ($3) order by "id" desc limit $4;

-- pendingRunFiles
select "id", "path" from "IngestFile" where "runId" = $1 and "status" = $2 order by "id";

-- ping
SELECT 1;

-- predictionsOf
select "contentHash", "labelSetId", "label", "score" from "Prediction" where "contentHash" = ANY($1::text[]) and "modelId" = $2::int order by "contentHash", "labelSetId";

-- reactivateClip
update "Clip" set "status" = $1, "updatedAt" = now() where "id" = $2 and "status" <> $3;

-- replaceSegments
delete from "Segment" where "contentHash" = $1 and "modelId" = $2;
INSERT INTO "Segment" ("contentHash", "modelId", kind, "startSec", "endSec", embedding)
           SELECT $1, $2::int, t.kind, t.s, t.e, t.v::vector
             FROM unnest($3::text[], $4::float8[], $5::float8[], $6::text[]) AS t(kind, s, e, v)
           ON CONFLICT ("contentHash", "modelId", kind, "startSec") DO UPDATE SET "endSec" = EXCLUDED."endSec", embedding = EXCLUDED.embedding;

-- runById
select "id", "root", "modelId", "status", "reindex", "totalFiles", "processedFiles", "skippedFiles", "failedFiles", "missingFiles", "audioSeconds", "error", "startedAt", "updatedAt", "finishedAt" from "IngestRun" where "id" = $1;

-- runFailures
select "path", "errorCode", "errorMessage" from "IngestFile" where "runId" = $1 and "status" = $2 order by "path" limit $3;

-- runFileCounts
select "status", count(*) as "n", coalesce(sum("durationSec"), 0) as "secs" from "IngestFile" where "runId" = $1 group by "status";

-- runMode
select "modelId", "reindex" from "IngestRun" where "id" = $1;

-- sampleClipVectors
SELECT c.id, s.embedding::text AS v FROM "Clip" c JOIN "Segment" s ON s."contentHash" = c."contentHash" AND s."modelId" = $1::int AND s.kind = 'clip'
     WHERE c.status = 'active' ORDER BY md5(c."contentHash"), c.id LIMIT $2::int;

-- segmentRowCount
SELECT count(*)::float8 AS n FROM "Segment";

-- segmentsOf
select "kind", "startSec", "endSec", embedding::text as "v" from "Segment" where "contentHash" = $1 and "modelId" = $2::int order by "kind", "startSec";

-- setTags
update "Clip" set "tags" = $1::text[], "updatedAt" = now() where "id" = $2;

-- skipUnchangedFiles
UPDATE "IngestFile" f SET status = 'skipped', "contentHash" = c."contentHash", "durationSec" = c."durationSec", "updatedAt" = now()
           FROM unnest($1::text[], $2::float8[], $3::float8[]) AS s(path, size, mtime), "Clip" c
          WHERE f."runId" = $4 AND f.status = 'pending' AND f.path = s.path AND c.path = s.path AND c.status = 'active'
            AND c."sizeBytes" = s.size::bigint AND c.mtime = (to_timestamp(s.mtime / 1000) AT TIME ZONE 'UTC')
            AND c.container IS NOT NULL -- stored before the stream facts were: read once more (process-file)
            AND EXISTS (SELECT 1 FROM "Segment" g WHERE g."contentHash" = c."contentHash" AND g."modelId" = $5 AND g.kind = 'clip');

-- storeJobProgress
update "Job" set "total" = $1::int, "processed" = $2::int, "cursor" = $3, "updatedAt" = now() where "id" = $4::int returning "id", "kind", "key", "modelId", "payload", "status", "total", "processed", "failed", "cursor", "error", "createdAt", "startedAt", "updatedAt", "finishedAt";

-- storeRunCounters
update "IngestRun" set "totalFiles" = GREATEST("totalFiles", $1), "processedFiles" = $2, "skippedFiles" = $3, "failedFiles" = $4, "audioSeconds" = $5::float8, "updatedAt" = now() where "id" = $6 returning "id", "root", "modelId", "status", "reindex", "totalFiles", "processedFiles", "skippedFiles", "failedFiles", "missingFiles", "audioSeconds", "error", "startedAt", "updatedAt", "finishedAt";

-- swapInNewVectorIndex
DROP INDEX IF EXISTS "Segment_embedding_hnsw";
ALTER INDEX "Segment_embedding_hnsw_new" RENAME TO "Segment_embedding_hnsw";

-- twinFacts
select "format", "container", "codec", "bitDepth", "sampleRate", "channels", "decoder", "durationSec", "peaks", "embedded" from "Clip" where "contentHash" = $1 and "container" is not null order by "id" limit $2;

-- unchangedClip
select "c"."id", "c"."contentHash", "c"."durationSec" from "Clip" as "c" where "c"."path" = $1 and "c"."sizeBytes" = $2::bigint and "c"."mtime" = (to_timestamp($3::float8 / 1000) AT TIME ZONE 'UTC') and "c"."container" is not null and exists (select 1 as "one" from "Segment" as "s" where "s"."contentHash" = "c"."contentHash" and "s"."modelId" = $4 and "s"."kind" = $5);

-- unfinishedJobByKey
select "id" from "Job" where "key" = $1 and status IN ('queued', 'running') order by "id" desc limit $2;

-- unfinishedJobs
select "id", "kind" from "Job" where "modelId" = $1::int and status IN ('queued', 'running') order by "id";

-- updateLabelSetRow
update "LabelSet" set "name" = $1, "labels" = $2::text[], "template" = $3, "multiLabel" = $4, "updatedAt" = now() where "id" = $5::int returning "id", "name", "labels", "template", "multiLabel", "createdAt", "updatedAt";

-- upsertClip
insert into "Clip" ("path", "folder", "name", "contentHash", "sizeBytes", "mtime", "format", "container", "codec", "bitDepth", "sampleRate", "channels", "decoder", "durationSec", "peaks", "embedded", "description", "ucsCatId", "ucsCategory", "ucsSubcategory", "status", "updatedAt") values ($1, $2, $3, $4, $5::bigint, (to_timestamp($6::float8 / 1000) AT TIME ZONE 'UTC'), $7::text, $8::text, $9::text, $10::int, $11::int, $12::int, $13::text, $14::float8, $15::float8[], $16::jsonb, $17::text, $18::text, $19::text, $20::text, $21, now()) on conflict ("path") do update set "folder" = "excluded"."folder", "name" = "excluded"."name", "contentHash" = "excluded"."contentHash", "sizeBytes" = "excluded"."sizeBytes", "mtime" = "excluded"."mtime", "format" = "excluded"."format", "container" = "excluded"."container", "codec" = "excluded"."codec", "bitDepth" = "excluded"."bitDepth", "sampleRate" = "excluded"."sampleRate", "channels" = "excluded"."channels", "decoder" = "excluded"."decoder", "durationSec" = "excluded"."durationSec", "peaks" = "excluded"."peaks", "embedded" = "excluded"."embedded", "description" = "excluded"."description", "ucsCatId" = "excluded"."ucsCatId", "ucsCategory" = "excluded"."ucsCategory", "ucsSubcategory" = "excluded"."ucsSubcategory", "status" = $22, "updatedAt" = now();

-- upsertPredictions
INSERT INTO "Prediction" ("contentHash", "labelSetId", "modelId", label, score, scores)
       SELECT t.h, $1::int, $2::int, t.l, t.s, ARRAY(SELECT jsonb_array_elements_text(t.a::jsonb)::float8)
         FROM unnest($3::text[], $4::text[], $5::float8[], $6::text[]) AS t(h, l, s, a)
       ON CONFLICT ("contentHash", "labelSetId", "modelId") DO UPDATE
         SET label = EXCLUDED.label, score = EXCLUDED.score, scores = EXCLUDED.scores, "createdAt" = now();

-- vectorIndexBuildProgress
SELECT phase, coalesce(nullif(tuples_total, 0), blocks_total)::float8 AS total,
            (CASE WHEN tuples_total > 0 THEN tuples_done ELSE blocks_done END)::float8 AS done
       FROM pg_stat_progress_create_index WHERE relid = '"Segment"'::regclass;

-- vectorIndexInfo
SELECT c.reloptions AS opts, pg_relation_size(c.oid)::float8 AS bytes, i.indisvalid AS valid
       FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid
      WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace AND i.indrelid = '"Segment"'::regclass;

-- withIndexScans
SET LOCAL enable_seqscan = off;
SELECT x AS lex FROM unnest($1::text[]) AS x WHERE EXISTS (SELECT 1 FROM "Clip" c WHERE (c.search @@ plainto_tsquery('simple', x) OR c."descriptionSearch" @@ plainto_tsquery('simple', x)) AND c.status = $2);

-- wordStems
SELECT w.word, l.lex, (SELECT count(*) FROM (SELECT 1 FROM "Clip" c WHERE (c.search @@ plainto_tsquery('simple', l.lex) OR c."descriptionSearch" @@ plainto_tsquery('simple', l.lex)) AND c.status = $1 AND EXISTS (SELECT 1 FROM "Segment" e WHERE e."contentHash" = c."contentHash" AND e."modelId" = $2::int AND e.kind = 'clip') LIMIT $3::int) m)::int AS n FROM unnest($4::text[]) AS w(word) CROSS JOIN LATERAL unnest(tsvector_to_array(to_tsvector('english', w.word))) AS l(lex);

-- wordStemsAndStatsKey
SELECT w.word, l.lex, NULL::float8 AS t, NULL::int AS p FROM unnest($1::text[]) AS w(word) CROSS JOIN LATERAL unnest(tsvector_to_array(to_tsvector('english', w.word))) AS l(lex)
     UNION ALL SELECT NULL, NULL, e.t, e.p FROM (SELECT reltuples::float8 AS t, relpages AS p FROM pg_class WHERE oid = '"Clip"'::regclass) e;

-- clipFilter (every condition)
c.status = $1 AND c."durationSec" >= $2::float8 AND c."durationSec" <= $3::float8 AND c.format = ANY($4::text[]) AND c.container = ANY($5::text[]) AND c.codec = ANY($6::text[]) AND c."bitDepth" = ANY($7::int[]) AND (c."ucsCategory" = ANY($8::text[]) OR regexp_replace(c."ucsCatId", '[A-Z][a-z].*$', '') = ANY($9::text[])) AND c."sampleRate" = ANY($10::int[]) AND c.channels = ANY($11::int[]) AND starts_with(c.folder, $12) AND c.tags @> $13::text[] AND EXISTS (SELECT 1 FROM "Prediction" pr WHERE pr."contentHash" = c."contentHash" AND pr."modelId" = $14::int
      AND pr."labelSetId" = $15::int AND pr.label = $16 AND pr.score >= $17::float8);
