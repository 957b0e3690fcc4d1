import { describe, expect, it } from 'vitest';
import { exec } from '../../apps/api/src/audio/ffmpeg.js';

/**
 * The ffmpeg/ffprobe runner returns a tool's whole stdout. CI once saw ffprobe's JSON come back empty
 * for a good file under load: the runner settled on 'exit', which can come before stdout is drained.
 * Here the direct child exits at once while a process it started still writes to the same stdout,
 * which makes that ordering certain instead of load-dependent.
 */
describe('audio tool runner', () => {
  it('returns output written after the process itself exited', async () => {
    const out = await exec('sh', ['-c', '(sleep 0.3; echo late) & echo early']);
    expect(out.toString()).toBe('early\nlate\n');
  });

  it("rejects with the tool's last stderr line on a non-zero exit", async () => {
    await expect(exec('sh', ['-c', 'echo first >&2; echo "the reason" >&2; exit 3'])).rejects.toThrow(/^the reason$/);
  });
});
