// Plain-JS entry of the decode thread: a worker does not inherit the parent's TypeScript loader, so
// it registers tsx itself before loading the TypeScript worker body.
import { register } from 'tsx/esm/api';

register();
await import('./decode-worker.ts');
