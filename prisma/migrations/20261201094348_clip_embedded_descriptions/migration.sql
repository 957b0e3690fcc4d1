-- Hand-written: full-text words of a clip's embedded descriptions and UCS category, weight A (above the
-- folder's C in "search"): what a library wrote about a sound says more than the folder it sits in. Same
-- 'english' configuration and word splitting as earshot_clip_words (migration keyword_english), so the
-- keyword half's stems match both columns.
CREATE FUNCTION "earshot_description_words"(description TEXT, category TEXT, subcategory TEXT, catid TEXT) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN setweight(to_tsvector('english'::regconfig, regexp_replace(coalesce(description, ''), '[-_./\\]+', ' ', 'g')), 'A')
    || setweight(to_tsvector('english'::regconfig, regexp_replace(concat_ws(' ', category, subcategory, catid), '[-_./\\&]+', ' ', 'g')), 'A');

-- AlterTable
ALTER TABLE "Clip" ADD COLUMN     "description" TEXT,
ADD COLUMN     "embedded" JSONB,
ADD COLUMN     "ucsCatId" TEXT,
ADD COLUMN     "ucsCategory" TEXT,
ADD COLUMN     "ucsSubcategory" TEXT;

-- Hand-written: a generated column (Prisma writes it as a plain tsvector column).
ALTER TABLE "Clip" ADD COLUMN "descriptionSearch" tsvector
    GENERATED ALWAYS AS ("earshot_description_words"("description", "ucsCategory", "ucsSubcategory", "ucsCatId")) STORED;

-- CreateIndex
CREATE INDEX "Clip_ucsCategory_idx" ON "Clip"("ucsCategory");

-- Hand-written: full-text index of the descriptions (the keyword ranking ORs it with "search").
CREATE INDEX "Clip_descriptionSearch_gin" ON "Clip" USING gin ("descriptionSearch");
