/**
 * Every error a user can cause has a stable code and names the input that caused it.
 * GraphQL maps `code` to `extensions.code`; the CLI prints `code: message (path)`.
 */
export const ERROR_CODES = [
  // config / storage
  'CONFIG_INVALID',
  'DB_UNREACHABLE',
  'DB_NO_VECTOR_EXTENSION',
  'DATA_DIR_NOT_WRITABLE',
  'MIGRATION_FAILED',
  'DB_IN_USE',
  /** The embedded database is damaged or not a database (no PG_VERSION, fewer rows than the store's marker): restore a backup. */
  'DATA_CORRUPT',
  /** ENOSPC / EDQUOT: the disk (or quota) of the data folder is full. */
  'NO_SPACE_LEFT',
  // audio
  'FILE_NOT_FOUND',
  'FILE_EMPTY',
  'UNSUPPORTED_FORMAT',
  'NEEDS_FFMPEG',
  'AUDIO_DECODE_FAILED',
  'AUDIO_NO_SAMPLES',
  'AUDIO_INVALID_SAMPLES',
  'AUDIO_BAD_SAMPLE_RATE',
  'CLIP_TOO_LONG',
  // files on disk
  /** The file's size or mtime is not the one ingested (served by /audio), or changed while it was read (ingest). */
  'FILE_CHANGED',
  /** The file resolves (realpath, symlinks) outside the folder it was ingested from. */
  'FILE_OUTSIDE_ROOT',
  /** A folder under an ingest root could not be listed (EACCES, EIO…): its clips are left as they were. */
  'FOLDER_UNREADABLE',
  /** startIngest was given a relative path. */
  'PATH_NOT_ABSOLUTE',
  /** startIngest was given a path that resolves outside EARSHOT_INGEST_ROOTS. */
  'PATH_OUTSIDE_ROOTS',
  // model
  'MODEL_NOT_FOUND',
  'MODEL_INVALID',
  'MODEL_MISMATCH',
  'INFERENCE_FAILED',
  'DOWNLOAD_FAILED',
  'CHECKSUM_MISMATCH',
  // api
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'DEADLINE_EXCEEDED',
  'LIMIT_EXCEEDED',
  'UPLOAD_TOO_LARGE',
  'INGEST_FAILED',
  /** An active run of the same folder, model and mode exists; its id is in the message. */
  'INGEST_ALREADY_RUNNING',
  /** A background job (jobs/) ended with an error that is not one of the codes above. */
  'JOB_FAILED',
  /** A job row names a kind this process has no handler for. */
  'JOB_UNKNOWN_KIND',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class EarshotError extends Error {
  readonly code: ErrorCode;
  /** The file path, URL, field or value that caused the error, when there is one. */
  readonly subject?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, opts: { subject?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'EarshotError';
    this.code = code;
    this.subject = opts.subject;
    this.details = opts.details;
  }

  /** One line for logs and the CLI: `CODE: message (subject)`. */
  toLine(): string {
    // Wrapped messages may span lines (Prisma's do: a disk-full INSERT printed five lines, found by bench:faults).
    const message = this.message.replace(/\s*\n\s*/g, ' ').trim();
    return `${this.code}: ${message}${this.subject ? ` (${this.subject})` : ''}`;
  }
}

export function isEarshotError(e: unknown): e is EarshotError {
  return e instanceof EarshotError;
}

/** Wrap anything thrown into an EarshotError without losing a code that is already there. */
export function asEarshotError(e: unknown, fallback: ErrorCode, subject?: string): EarshotError {
  if (e instanceof EarshotError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new EarshotError(fallback, message, { subject, cause: e });
}

/** The HTTP status that fits each code a client can cause (REST bodies, and GraphQL requests with no data). */
const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  BAD_USER_INPUT: 400,
  FILE_EMPTY: 400,
  UNSUPPORTED_FORMAT: 415,
  NEEDS_FFMPEG: 415,
  AUDIO_DECODE_FAILED: 422,
  AUDIO_NO_SAMPLES: 422,
  AUDIO_INVALID_SAMPLES: 422,
  AUDIO_BAD_SAMPLE_RATE: 422,
  CLIP_TOO_LONG: 413,
  UPLOAD_TOO_LARGE: 413,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  FILE_NOT_FOUND: 404,
  FILE_CHANGED: 409,
  FILE_OUTSIDE_ROOT: 403,
  LIMIT_EXCEEDED: 413,
  DEADLINE_EXCEEDED: 503,
};

export const httpStatus = (code: ErrorCode): number => HTTP_STATUS[code] ?? 500;
