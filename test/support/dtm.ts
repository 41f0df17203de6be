// Small HTTP helpers for tests: publish batches and read a whole feed the way a Target would.
import { parseExact, type ChangePage, type IngestItem, type Change } from '@dtm/shared';
import type { Api } from './server.ts';

export const SOURCE_AS_OF = () => new Date().toISOString();

export async function ingest(
  api: Api,
  ods: string,
  items: IngestItem[],
  opts: { key?: string; sourceAsOf?: string; raw?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await api.fetch(`/v1/ingest/practices/${ods}/changes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(opts.key ? { 'idempotency-key': opts.key } : {}), ...opts.headers },
    body: opts.raw ?? JSON.stringify({ sourceAsOf: opts.sourceAsOf ?? SOURCE_AS_OF(), items }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers };
}

/** A feed page; `exact` parses numbers as written (@dtm/shared parseExact), as a Target that keeps them must. */
export async function page(api: Api, ods: string, params: Record<string, string | number | undefined> = {}, o: { exact?: boolean } = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const res = await api.fetch(`/v1/practices/${ods}/changes?${q}`);
  const body = (o.exact ? parseExact(await res.text()) : await res.json()) as ChangePage & Record<string, unknown>;
  return { status: res.status, body, headers: res.headers };
}

/** Reads from `since` until upToDate; returns every change in order and the last cursor. */
export async function readAll(api: Api, ods: string, since?: string, limit = 1000, o: { exact?: boolean } = {}) {
  const changes: Change[] = [];
  let cursor = since;
  for (;;) {
    const { status, body } = await page(api, ods, { since: cursor, limit }, o);
    if (status !== 200) throw new Error(`feed answered ${status}: ${JSON.stringify(body)}`);
    changes.push(...body.changes);
    cursor = body.nextCursor ?? cursor;
    if (body.upToDate) return { changes, cursor };
  }
}

export const upsert = (resourceType: string, id: string, extra: Record<string, unknown> = {}, sourceUpdatedAt?: string): IngestItem => ({
  op: 'upsert',
  resource: { resourceType, id, ...extra },
  ...(sourceUpdatedAt ? { sourceUpdatedAt } : {}),
});

export const del = (resourceType: string, id: string): IngestItem => ({ op: 'delete', resourceType, id });
