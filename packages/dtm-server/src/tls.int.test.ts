// The server can serve HTTPS itself from certificate files, and require client certificates
// (mutual TLS) when given a CA. Certificates are made for the test with openssl.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/support/server.ts';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version']);
    return true;
  } catch {
    return false;
  }
})();

const dir = mkdtempSync(path.join(os.tmpdir(), 'dtm-tls-'));
const f = (name: string) => path.join(dir, name);
function makeCerts() {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=dtm-test-ca', '-keyout', f('ca.key'), '-out', f('ca.crt'));
  for (const [name, cn] of [['server', '127.0.0.1'], ['client', 'target-supplier']] as const) {
    ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${cn}`, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`));
    const ext = f(`${name}.ext`);
    execFileSync('sh', ['-c', `printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=${name === 'server' ? 'serverAuth' : 'clientAuth'}\\n' > ${ext}`]);
    ssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', ext, '-out', f(`${name}.crt`));
  }
}

function get(url: string, opts: https.RequestOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    https.get(url, { ca: readFileSync(f('ca.crt')), ...opts }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

describe.skipIf(!hasOpenssl)('TLS', () => {
  let s: TestServer;
  beforeAll(async () => {
    makeCerts();
    s = await startTestServer({ env: { DTM_TLS_CERT_FILE: f('server.crt'), DTM_TLS_KEY_FILE: f('server.key'), DTM_TLS_CLIENT_CA_FILE: f('ca.crt') } });
  });
  afterAll(async () => {
    await s?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves HTTPS and says so in its URL', () => {
    expect(s.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers a client that presents a certificate signed by the configured CA', async () => {
    expect(await get(`${s.url}/health/live`, { cert: readFileSync(f('client.crt')), key: readFileSync(f('client.key')) })).toBe(200);
  });

  it('refuses the handshake to a client without a certificate', async () => {
    await expect(get(`${s.url}/health/live`)).rejects.toThrow();
  });
});
