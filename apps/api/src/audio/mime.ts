/**
 * The media type of each kind of audio file (AudioMeta.format, by content): what GET /audio/:id sends as
 * Content-Type and what the web app puts in a drag-out (DownloadURL), so both name a file the same way.
 */
const MIME: Record<string, string> = {
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  flac: 'audio/flac',
  ogg: 'audio/ogg',
  opus: 'audio/ogg',
  spx: 'audio/ogg',
  m4a: 'audio/mp4',
  aiff: 'audio/aiff',
  caf: 'audio/x-caf',
  wv: 'audio/x-wavpack',
  tta: 'audio/x-tta',
  wma: 'audio/x-ms-wma',
  webm: 'audio/webm',
  mkv: 'audio/x-matroska',
  ac3: 'audio/ac3',
  au: 'audio/basic',
};

/** application/octet-stream for a kind without a registered audio type. */
export const mimeTypeOf = (format: string): string => MIME[format] ?? 'application/octet-stream';
