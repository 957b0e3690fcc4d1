-- CreateTable
CREATE TABLE "LibraryMarker" (
    "id" INTEGER NOT NULL,
    "clips" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LibraryMarker_pkey" PRIMARY KEY ("id")
);

-- Hand-written.

-- The library marker (issue 15 #10): the clip count, kept by statement-level triggers in the same
-- transaction as every change, so it is exact across crashes and processes. openStore compares it
-- with count(*) of "Clip" at start-up: a table whose file was truncated reads as fewer clips.
INSERT INTO "LibraryMarker" (id, clips) SELECT 1, count(*) FROM "Clip";

CREATE FUNCTION earshot_count_clips() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE n integer;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    UPDATE "LibraryMarker" SET clips = 0, "updatedAt" = now() WHERE id = 1;
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    SELECT count(*) INTO n FROM new_clips;
  ELSE
    SELECT -count(*) INTO n FROM old_clips;
  END IF;
  -- An upsert that only updated rows inserts none: skip the marker row (and its row lock).
  IF n <> 0 THEN
    UPDATE "LibraryMarker" SET clips = clips + n, "updatedAt" = now() WHERE id = 1;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "Clip_marker_insert" AFTER INSERT ON "Clip" REFERENCING NEW TABLE AS new_clips
  FOR EACH STATEMENT EXECUTE FUNCTION earshot_count_clips();
CREATE TRIGGER "Clip_marker_delete" AFTER DELETE ON "Clip" REFERENCING OLD TABLE AS old_clips
  FOR EACH STATEMENT EXECUTE FUNCTION earshot_count_clips();
CREATE TRIGGER "Clip_marker_truncate" AFTER TRUNCATE ON "Clip"
  FOR EACH STATEMENT EXECUTE FUNCTION earshot_count_clips();

-- One active ingest run per folder, model and mode (issue 15 #14): concurrent identical startIngest
-- calls insert with ON CONFLICT against this index and share one run. Duplicates left active by
-- earlier versions are closed first (the newest stays), or the index could not be built.
UPDATE "IngestRun" r SET status = 'failed', error = 'INGEST_ALREADY_RUNNING: a newer run of the same folder took over', "finishedAt" = now(), "updatedAt" = now()
 WHERE r.status IN ('queued', 'scanning', 'running')
   AND EXISTS (SELECT 1 FROM "IngestRun" n WHERE n.root = r.root AND n."modelId" = r."modelId" AND n.reindex = r.reindex
                 AND n.status IN ('queued', 'scanning', 'running') AND n.id > r.id);
-- USING btree marks it as hand-written for migration:create (Prisma cannot express a partial index).
CREATE UNIQUE INDEX "IngestRun_one_active" ON "IngestRun" USING btree (root, "modelId", reindex)
  WHERE status IN ('queued', 'scanning', 'running');
