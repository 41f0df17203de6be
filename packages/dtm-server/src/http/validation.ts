// Requests are validated against the OpenAPI document in @dtm/shared, the source of truth; undocumented
// routes are 404s. Responses are written by our own code from the generated types, so they are not
// re-validated on the hot path (the contract tests check them).
import * as OpenApiValidator from 'express-openapi-validator';
import { OPENAPI_PATH } from '@dtm/shared';

export function openApiValidator() {
  return OpenApiValidator.middleware({
    apiSpec: OPENAPI_PATH,
    validateRequests: { allowUnknownQueryParameters: false, coerceTypes: true },
    validateResponses: false,
    validateSecurity: false,
    fileUploader: false,
    ignoreUndocumented: false,
  });
}
