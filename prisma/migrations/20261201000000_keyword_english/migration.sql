-- Hand-written: the keyword half in English (issue 12). Stemming, so "footsteps" finds "footstep", and
-- stop words, so "a" and "on" in "rain on a tin roof" match nothing (with 'simple' they matched
-- "accordion-in-a-room"). A file-name token typed as such still matches: the query side goes through the
-- same configuration. Field weights: name and tags A, the folder's words C (the file name is no longer
-- counted a second time as a path word), ranked with ts_rank weights {D 0.1, C 0.2, B 0.4, A 1.0}.
-- The stored generated column must be rebuilt to take the new expression.
DROP INDEX "Clip_search_gin";
ALTER TABLE "Clip" DROP COLUMN "search";

CREATE OR REPLACE FUNCTION "earshot_clip_words"(name TEXT, path TEXT, tags TEXT[]) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN setweight(to_tsvector('english'::regconfig, regexp_replace(coalesce(name, ''), '[-_./\\]+', ' ', 'g')), 'A')
    || setweight(to_tsvector('english'::regconfig, regexp_replace(coalesce(array_to_string(tags, ' '), ''), '[-_./\\]+', ' ', 'g')), 'A')
    || setweight(to_tsvector('english'::regconfig, regexp_replace(regexp_replace(coalesce(path, ''), '[^/\\]*$', ''), '[-_./\\]+', ' ', 'g')), 'C');

CREATE OR REPLACE FUNCTION "earshot_words_query"(q TEXT) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN plainto_tsquery('english'::regconfig, regexp_replace(coalesce(q, ''), '[-_./\\]+', ' ', 'g'));

ALTER TABLE "Clip" ADD COLUMN "search" tsvector GENERATED ALWAYS AS ("earshot_clip_words"("name", "path", "tags")) STORED;
CREATE INDEX "Clip_search_gin" ON "Clip" USING gin ("search");
