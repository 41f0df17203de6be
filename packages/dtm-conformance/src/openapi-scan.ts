// Just enough of an OpenAPI document to check it: its version and its paths with their methods. Reads
// JSON, or YAML written block-style (as OpenAPI documents are); no YAML library needed for that.

export interface SpecSummary {
  openapi: string | null;
  /** Path template → HTTP methods it declares (lower case). */
  paths: Map<string, Set<string>>;
  /** The document declares these parameter names anywhere (for optional features). */
  text: string;
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']);

const unquote = (s: string): string => s.trim().replace(/^(['"])(.*)\1$/, '$2');

export function scanOpenApi(text: string): SpecSummary {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    try {
      const doc = JSON.parse(trimmed) as { openapi?: unknown; paths?: Record<string, Record<string, unknown>> };
      const paths = new Map<string, Set<string>>();
      for (const [p, ops] of Object.entries(doc.paths ?? {})) paths.set(p, new Set(Object.keys(ops ?? {}).filter((m) => METHODS.has(m))));
      return { openapi: typeof doc.openapi === 'string' ? doc.openapi : null, paths, text };
    } catch {
      return { openapi: null, paths: new Map(), text };
    }
  }
  const lines = text.split(/\r?\n/);
  let openapi: string | null = null;
  const paths = new Map<string, Set<string>>();
  let inPaths = false;
  let pathIndent = -1;
  let current: Set<string> | null = null;
  let methodIndent = -1;
  for (const line of lines) {
    if (/^\s*(#.*)?$/.test(line)) continue;
    const indent = line.length - line.trimStart().length;
    const m = /^(\s*)(['"]?[^:'"]+['"]?|'[^']*'|"[^"]*"):(.*)$/.exec(line);
    if (indent === 0) {
      inPaths = false;
      if (m) {
        const key = unquote(m[2]!);
        if (key === 'openapi') openapi = unquote(m[3]!.replace(/\s#.*$/, ''));
        if (key === 'paths') {
          inPaths = true;
          pathIndent = -1;
        }
      }
      continue;
    }
    if (!inPaths || !m) continue;
    const key = unquote(m[2]!);
    if (pathIndent < 0 && key.startsWith('/')) pathIndent = indent;
    if (indent === pathIndent && key.startsWith('/')) {
      current = new Set();
      paths.set(key, current);
      methodIndent = -1;
    } else if (current && indent > pathIndent) {
      if (methodIndent < 0) methodIndent = indent;
      if (indent === methodIndent && METHODS.has(key)) current.add(key);
    }
  }
  return { openapi, paths, text };
}

/** The DTM paths a conformant document must declare (method, path template). */
export const REQUIRED_PATHS: [string, string][] = [
  ['post', '/oauth2/token'],
  ['get', '/.well-known/smart-configuration'],
  ['get', '/v1/practices/{ods}/changes'],
  ['get', '/v1/practices/{ods}/status'],
  ['get', '/v1/practices/{ods}/binaries/{id}'],
  ['post', '/v1/practices/{ods}/issues'],
  ['get', '/v1/practices/{ods}/issues/{issueId}'],
  ['patch', '/v1/practices/{ods}/issues/{issueId}'],
  ['post', '/v1/ingest/practices/{ods}/changes'],
];

/** The optional cutover routes (migration). */
export const MIGRATION_PATH = '/v1/practices/{ods}/migration';
