// The three launchers (`npx dtm-server`, `npx dtm-client`, `npx dtm-conformance`) start their CLI
// with Node's compile cache on, so a start after the first skips compiling (issue 7).
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

async function filesUnder(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).length;
}

describe('launchers', () => {
  it.each(['dtm-server', 'dtm-client', 'dtm-conformance'])('%s starts its CLI and fills the compile cache', { timeout: 60_000 }, async (name) => {
    const cache = await mkdtemp(path.join(os.tmpdir(), 'dtm-compile-cache-'));
    try {
      // Not NODE_COMPILE_CACHE, which would turn the cache on whatever the launcher does: the
      // launcher's default place is under the OS temporary directory, here a fresh one.
      const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: cache };
      delete env.NODE_COMPILE_CACHE;
      delete env.NODE_DISABLE_COMPILE_CACHE;
      const { stdout } = await run(process.execPath, [path.join(ROOT, 'packages', name, 'bin', `${name}.js`), '--help'], { env });
      expect(stdout).toContain(name);
      expect(await filesUnder(path.join(cache, 'node-compile-cache'))).toBeGreaterThan(0);
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });
});
