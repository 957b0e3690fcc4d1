/**
 * GET /export: a result list streamed as CSV or JSON a page at a time, every row of it (the GraphQL
 * `export` builds one string and stops at EXPORT_MAX). Query parameters: format=csv|json, and
 * text (+ hybrid=0) or similarToClip, with filter=<ClipFilter as JSON>; optional limit.
 * The filter is checked against the schema's own ClipFilter input type, so REST and GraphQL accept
 * exactly the same filters.
 */
import { once } from 'node:events';
import express, { type Router } from 'express';
import { buildSchema, coerceInputValue, type GraphQLInputType } from 'graphql';
import { EarshotError } from '../errors.js';
import { typeDefs } from '../graphql/schema.js';
import { csvLine, EXPORT_COLUMNS, exportStem, safeStem, type ExportRow, type ExportSource } from '../library/index.js';
import type { ClipFilter } from '../search/index.js';
import type { Services } from '../services.js';
import { sendError } from './errors.js';

const CLIP_FILTER = buildSchema(typeDefs).getType('ClipFilter') as GraphQLInputType;

function one(v: unknown, name: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new EarshotError('BAD_USER_INPUT', `give ${name} once`, { subject: name });
  return v;
}

export function parseExportQuery(q: Record<string, unknown>): { source: ExportSource; format: 'csv' | 'json'; limit: number | null } {
  const format = (one(q.format, 'format') ?? 'csv').toLowerCase();
  if (format !== 'csv' && format !== 'json') throw new EarshotError('BAD_USER_INPUT', `format must be csv or json, got ${format}`, { subject: 'format' });
  let filter: ClipFilter | undefined;
  const f = one(q.filter, 'filter');
  if (f) {
    let raw: unknown;
    try {
      raw = JSON.parse(f);
    } catch {
      throw new EarshotError('BAD_USER_INPUT', 'filter must be a ClipFilter as JSON', { subject: 'filter' });
    }
    filter = coerceInputValue(raw, CLIP_FILTER, (_path, _v, e) => {
      throw new EarshotError('BAD_USER_INPUT', `filter: ${e.message}`, { subject: 'filter' });
    }) as ClipFilter;
  }
  const l = one(q.limit, 'limit');
  const limit = l === undefined ? null : Number(l);
  if (limit !== null && (!Number.isInteger(limit) || limit < 1)) throw new EarshotError('BAD_USER_INPUT', `limit must be a positive integer, got ${l}`, { subject: 'limit' });
  const source: ExportSource = { text: one(q.text, 'text') || null, hybrid: one(q.hybrid, 'hybrid') !== '0', similarToClip: one(q.similarToClip, 'similarToClip') || null, filter };
  return { source, format, limit };
}

export function exportRouter(services: Pick<Services, 'library'>, log?: (m: string) => void): Router {
  const r = express.Router();
  r.get('/export', async (req, res) => {
    let started = false;
    try {
      const { source, format, limit } = parseExportQuery(req.query);
      const pages = services.library.exportPages(source, limit ?? Number.MAX_SAFE_INTEGER);
      // The first page before any header: a bad query or filter is still a plain JSON error.
      const first = await pages.next();
      const name = `${safeStem(exportStem(source))}.${format}`;
      res.setHeader('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
      res.setHeader('Cache-Control', 'no-store');
      started = true;
      let n = 0;
      // One write per page; a slow reader is waited for (drain), so memory holds about one page.
      const write = async (rows: ExportRow[]) => {
        let chunk = '';
        for (const row of rows) {
          chunk += format === 'csv' ? `${csvLine(row)}\r\n` : `${n ? ',\n' : ''}${JSON.stringify(row)}`;
          n++;
        }
        if (!res.write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
      };
      res.write(format === 'csv' ? `${EXPORT_COLUMNS.join(',')}\r\n` : '[\n');
      if (!first.done) await write(first.value);
      for await (const rows of pages) {
        if (res.destroyed) return; // the client went away: stop paging
        await write(rows);
      }
      res.end(format === 'csv' ? '' : '\n]\n');
    } catch (e) {
      // Past the header a status can no longer be sent: cut the stream, so the download fails visibly instead of ending short.
      if (started) {
        log?.(`export failed mid-stream: ${(e as Error).message}`);
        res.destroy(e as Error);
      } else sendError(res, e, log);
    }
  });
  return r;
}
