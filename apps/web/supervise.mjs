// Runs `next <args>` as a child and stops it when the process that forked us goes away — even when
// that parent was SIGKILLed and could not clean up (the IPC channel closes either way), so a killed
// `npm start` or test run never leaves an orphaned next-server holding its port.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const NEXT_BIN = path.join(path.dirname(require.resolve('next/package.json')), 'dist/bin/next');
const child = spawn(process.execPath, [NEXT_BIN, ...process.argv.slice(2)], { stdio: 'inherit' });
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), 5000).unref();
};
process.on('disconnect', stop);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
