// What a request body and its query say before the body is decoded (lib/api/kube-json.ts decodes
// it): the body as JSON, in kube-apiserver's words when it is not, and the fieldValidation
// parameter (Strict, Warn, Ignore; Warn when absent, as kube-apiserver defaults it).
import { BadRequestError } from '../../../lib/api/errors';
import type { FieldValidation } from '../../../lib/api/kube-json';

export function parseFieldValidation(v: string | null): FieldValidation {
  if (v === null || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw new BadRequestError(`fieldValidation parameter unsupported: ${v}`);
}

/** Parses a JSON body (Kubernetes' wording for what is not JSON, without quoting the body). */
export function parseJSONBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new BadRequestError(`couldn't get version/kind; json parse error: ${(err as Error).message.replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '')}`);
  }
}
