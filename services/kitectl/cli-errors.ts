// How kitectl reports failures: one line (or a few) on stderr worded like kubectl's, exit code 1.
// The API error classes are loaded only when formatting one, keeping gRPC off the start-up path
// of verbs that never talk to the server.

/** A failure the user caused or can fix; printed as "error: <message>". */
export class CliError extends Error {
  override name = 'CliError';
}

/** An error already reported to stderr (e.g. per-object errors of a multi-object command). */
export class ReportedError extends Error {
  override name = 'ReportedError';
  constructor() {
    super('errors were reported');
  }
}

/**
 * kubectl's wording: `Error from server (NotFound): pods "x" not found`, and for validation
 * failures `The Pod "x" is invalid: spec...: Required value` (one bullet per field when several).
 * `context` is kubectl's "error when creating "file.yaml": " prefix.
 */
export function formatError(err: unknown, context = ''): string {
  const { ApiError, InvalidError } = require('../../lib/api/errors') as typeof import('../../lib/api/errors');
  if (err instanceof InvalidError && err.reason === 'Invalid') {
    const m = err.message.match(/^(.*?) is invalid: /s);
    if (m && err.causes.length > 1) {
      return `The ${m[1]} is invalid: \n${err.causes.map((c) => `* ${c.field}: ${c.message}`).join('\n')}`;
    }
    if (m) return `The ${err.message}`;
    return `Error from server (Invalid): ${context}${err.message}`;
  }
  if (err instanceof ApiError) return `Error from server (${err.reason}): ${context}${err.message}`;
  if (err instanceof Error) return `error: ${err.message}`;
  return `error: ${String(err)}`;
}
