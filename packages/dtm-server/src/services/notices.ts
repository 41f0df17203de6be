// Paperwork from the record: a CSMP appendix letter for the practice's migration (domain/notices.ts),
// as Markdown or one self-contained HTML page.
import type { MigrationNotice } from '@dtm/shared';
import type { MigrationDeps } from './migrations.ts';
import { getMigration } from './migrations.ts';
import { conflict } from '../errors.ts';
import { NOTICE_EVENT, noticeBlocks, renderHtml, renderMarkdown } from '../domain/notices.ts';
import * as repo from '../repo/migrations.ts';

export interface RenderedNotice {
  body: string;
  contentType: string;
  filename: string;
}

export async function renderNotice(deps: MigrationDeps, ods: string, notice: MigrationNotice, format: 'md' | 'html'): Promise<RenderedNotice> {
  const migration = await getMigration(deps, ods);
  const [clientNames, row] = await Promise.all([
    repo.clientNames(deps.pool, [migration.sourceClientId, migration.targetClientId]),
    repo.latestMigration(deps.pool, ods),
  ]);
  const completion = row?.id === migration.id ? row.completion : null;
  const blocks = noticeBlocks(notice, { migration, clientNames, completion });
  if (!blocks) {
    throw conflict(`The ${notice} notice records the move to ${NOTICE_EVENT[notice]}, which practice ${ods}'s migration has not made (it is ${migration.state}).`);
  }
  const filename = `${ods}-${notice}.${format}`;
  return format === 'html'
    ? { body: renderHtml(blocks, `${notice} - ${ods}`), contentType: 'text/html; charset=utf-8', filename }
    : { body: renderMarkdown(blocks), contentType: 'text/markdown; charset=utf-8', filename };
}
