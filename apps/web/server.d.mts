export declare const WEB_DIR: string;
/** True when apps/web/.next holds a production build newer than every source file. */
export declare function isBuildFresh(): boolean;
/** `next build` into apps/web/.next unless a fresh build is already there (force = always). */
export declare function buildWeb(opts?: { force?: boolean; log?: (s: string) => void }): Promise<string>;
export declare function freePort(host?: string): Promise<number>;
/** Start `next start` (child process) for the built app; port 0 / absent = a free port. */
export declare function startWeb(opts?: {
  host?: string;
  port?: number;
  /** Where /graphql, /upload and /audio/* are forwarded (default EARSHOT_API_URL, else http://127.0.0.1:4000). */
  apiUrl?: string;
  /** The API's EARSHOT_PROXY_SECRET: the proxy then tells the API the browser's Host and whether the client is local. */
  proxySecret?: string;
  log?: (s: string) => void;
}): Promise<{ url: string; port: number; close: () => Promise<void> }>;
