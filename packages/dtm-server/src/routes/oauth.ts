// OAuth 2.0 client credentials with private_key_jwt (RFC 7523), and SMART discovery.
import express, { Router } from 'express';
import { ASSERTION_ALGORITHMS, SCOPES, SMART_CONFIGURATION_PATH, TOKEN_PATH } from '@dtm/shared';
import type { AppDeps } from '../app.ts';
import { OAuthError, issueToken, type TokenRequest } from '../services/tokens.ts';

export function oauthRouter(deps: AppDeps): Router {
  const r = Router();

  r.get(SMART_CONFIGURATION_PATH, (_req, res) => {
    res.json({
      token_endpoint: deps.urls.tokenEndpoint(),
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGORITHMS],
      scopes_supported: Object.values(SCOPES),
      capabilities: ['client-confidential-asymmetric'],
    });
  });

  r.post(TOKEN_PATH, express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 20 }), async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    try {
      const token = await issueToken(
        { pool: deps.pool, clock: deps.clock, tokenEndpoint: deps.urls.tokenEndpoint, accessTokenTtlSeconds: deps.config.accessTokenTtlSeconds },
        (req.body ?? {}) as TokenRequest,
        (id) => (res.locals.claimedClientId = id),
      );
      res.json(token);
    } catch (err) {
      if (!(err instanceof OAuthError)) throw err;
      deps.metrics.authFailures.inc({ reason: err.code });
      if (err.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
      res.status(err.status).json({ error: err.code, error_description: err.message });
    }
  });

  // A body the form parser cannot read is still answered in RFC 6749 terms.
  r.use(TOKEN_PATH, (err: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    const status = (err as { status?: number }).status;
    if (!status || status >= 500) return next(err);
    res.status(400).setHeader('Cache-Control', 'no-store').json({ error: 'invalid_request', error_description: 'the request body is not a readable form' });
  });

  return r;
}
