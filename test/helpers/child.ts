/**
 * A child process watched the way the tests and benches read one: its stdout and stderr collected as they
 * come, and its end taken at 'close', not 'exit'. 'exit' can fire while output is still unread, and the
 * assertions on a CLI's output then saw it cut short (the same race left ffprobe's JSON empty in CI).
 */
import type { ChildProcess } from 'node:child_process';

export type Ended = { code: number | null; signal: NodeJS.Signals | null };
export type Watched = ChildProcess & { out: () => string; err: () => string; closed: Promise<Ended> };

export function watch(child: ChildProcess): Watched {
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (err += d));
  const closed = new Promise<Ended>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  return Object.assign(child, { out: () => out, err: () => err, closed });
}

/**
 * The child's exit status once its output has been read to the end; with `killAfterMs`, SIGKILLed past it.
 * The limit is an option object, not a second number: `children.map(exited)` once passed the array index
 * as a timeout and SIGKILLed the first child at once; the type now refuses that call.
 */
export async function exited(c: Watched, opts: { killAfterMs?: number } = {}): Promise<Ended> {
  const { killAfterMs } = opts;
  const t = killAfterMs === undefined ? undefined : setTimeout(() => c.kill('SIGKILL'), killAfterMs);
  try {
    return await c.closed;
  } finally {
    clearTimeout(t);
  }
}
