import cliProgress from 'cli-progress';
import type { IngestSummary, ProgressSnapshot } from './pipeline.js';

const fmtEta = (s: number | null) => {
  if (s === null || !Number.isFinite(s)) return '--:--';
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`;
};

/**
 * The CLI progress bar: files handled / total, files/s, audio hours/s, ETA and failures.
 * On a non-TTY (CI logs, a child process) it prints one plain line every few seconds instead.
 */
export function progressBar(stream: NodeJS.WriteStream = process.stderr) {
  const tty = Boolean(stream.isTTY);
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: ' {bar} {value}/{total} files | {fps} files/s | {ahps} audio-h/s | ETA {etaStr} | {failed} failed',
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let lastPlain = 0;
  let lastLine = '';
  return {
    update(p: ProgressSnapshot) {
      const done = p.run.processedFiles + p.run.skippedFiles + p.run.failedFiles;
      const payload = {
        fps: p.session.filesPerSec.toFixed(2),
        ahps: p.session.audioHoursPerSec.toFixed(4),
        etaStr: fmtEta(p.session.etaSec),
        failed: p.run.failedFiles,
      };
      if (tty) {
        if (!started) {
          bar.start(p.run.totalFiles, done, payload);
          started = true;
        }
        bar.setTotal(p.run.totalFiles);
        bar.update(done, payload);
      } else if (Date.now() - lastPlain > 2000 || p.pending === 0) {
        const key = `${done}/${p.run.totalFiles}`;
        if (p.pending === 0 && key === lastLine) return;
        lastPlain = Date.now();
        lastLine = key;
        stream.write(`progress ${key} files, ${payload.fps} files/s, ${payload.ahps} audio-h/s, ETA ${payload.etaStr}, ${payload.failed} failed\n`);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** End-of-run report: counts, then every failed file with its code. */
export function formatSummary(s: IngestSummary): string {
  const r = s.run;
  const lines = [
    `ingest run ${r.id} ${r.status}${s.resumed ? ' (resumed)' : ''}: ${r.root}`,
    `  files: ${r.totalFiles} found, ${r.processedFiles} ingested, ${r.skippedFiles} unchanged, ${r.failedFiles} failed, ${r.missingFiles} missing (marked, not deleted), ${s.ignoredFiles} non-audio ignored`,
    `  audio: ${(r.audioSeconds / 3600).toFixed(3)} h`,
  ];
  if (s.failures.length > 0) {
    lines.push(`  failures:`);
    for (const f of s.failures) lines.push(`    ${f.code}  ${f.path}  ${f.message}`);
  }
  return lines.join('\n');
}
