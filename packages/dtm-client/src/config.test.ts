import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClientConfigError, loadClientConfig } from './config.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'dtm-client-config-'));
const file = path.join(dir, 'client.json');
writeFileSync(file, JSON.stringify({ serverUrl: 'https://from-file.example', practice: 'A11111', pageSize: 200, clientId: 'file-client' }));

describe('loadClientConfig', () => {
  it('takes defaults, then the file, then the environment, then flags', () => {
    const c = loadClientConfig({ config: file, practice: 'C33333' }, { DTM_PRACTICE: 'B22222', DTM_PAGE_SIZE: '300' });
    expect(c).toMatchObject({ serverUrl: 'https://from-file.example', clientId: 'file-client', practice: 'C33333', pageSize: 300, waitSeconds: 30, timezone: 'Europe/London', cron: '0 */4 * * *' });
    expect(c.binaryDir).toBe(path.join(c.dataDir, 'binaries'));
  });

  it('names what is missing or wrong', () => {
    expect(() => loadClientConfig({}, {}, ['serverUrl', 'practice'])).toThrowError(/missing: --server \(or DTM_SERVER_URL\), --practice \(or DTM_PRACTICE\)/);
    expect(() => loadClientConfig({ 'page-size': '0' }, {})).toThrowError(/page-size must be between 1 and 5000/);
    expect(() => loadClientConfig({ practice: 'a1' }, {})).toThrowError(/ODS code/);
    expect(() => loadClientConfig({ progress: 'loud' }, {})).toThrowError(ClientConfigError);
    writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ sever: 'typo' }));
    expect(() => loadClientConfig({ config: path.join(dir, 'bad.json') }, {})).toThrowError(/unknown setting\(s\) in .*: sever/);
  });
});
