-- AlterTable
ALTER TABLE "Clip" ADD COLUMN     "bitDepth" INTEGER,
ADD COLUMN     "container" TEXT,
ADD COLUMN     "decoder" TEXT;
