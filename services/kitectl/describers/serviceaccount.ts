// `describe serviceaccount`, as kubectl's describeServiceAccount prints it: the image pull
// secrets, the mountable secrets and the legacy token Secrets (each name marked "(not found)"
// when no such Secret exists), then the events.
import type { Event, Secret, ServiceAccount } from '../../../lib/gen/kite/core/v1/types';
import { DescribeWriter, writeAnnotations, writeEvents, writeLabels } from './describe-writer';

/** The annotations naming the account a service-account-token Secret belongs to. */
const SERVICE_ACCOUNT_NAME = 'kubernetes.io/service-account.name';
const SERVICE_ACCOUNT_UID = 'kubernetes.io/service-account.uid';

export interface ServiceAccountSecrets {
  /** The names of the account's token Secrets (type service-account-token, its name and uid annotated). */
  tokens: string[];
  /** Referenced Secret names that do not exist. */
  missing: Set<string>;
}

/**
 * Which of the namespace's Secrets are the account's tokens, and which referenced ones are
 * missing. `secrets` is undefined when they could not be listed (e.g. the user may not read
 * Secrets): then nothing is marked missing and no tokens are shown, as kubectl does.
 */
export function serviceAccountSecrets(sa: ServiceAccount, secrets: Secret[] | undefined): ServiceAccountSecrets {
  if (!secrets) return { tokens: [], missing: new Set() };
  const tokens = secrets
    .filter((s) => s.type === 'kubernetes.io/service-account-token')
    .filter((s) => s.metadata?.annotations[SERVICE_ACCOUNT_NAME] === sa.metadata?.name && (s.metadata?.annotations[SERVICE_ACCOUNT_UID] ?? '') === (sa.metadata?.uid ?? ''))
    .map((s) => s.metadata?.name ?? '');
  const existing = new Set(secrets.map((s) => s.metadata?.name));
  const referenced = [...(sa.secrets ?? []).map((r) => r.name), ...(sa.imagePullSecrets ?? []).map((r) => r.name)];
  return { tokens, missing: new Set(referenced.filter((n) => !existing.has(n))) };
}

export function describeServiceAccount(sa: ServiceAccount, related: ServiceAccountSecrets, events: Event[] | undefined, now = Date.now()): string {
  const w = new DescribeWriter();
  w.write(0, `Name:\t${sa.metadata?.name}\n`);
  w.write(0, `Namespace:\t${sa.metadata?.namespace}\n`);
  writeLabels(w, 'Labels', sa.metadata?.labels);
  writeAnnotations(w, sa.metadata?.annotations);
  // kubectl pads the three headers to one width and prints them in sorted order.
  const blocks: [string, string[]][] = [
    ['Image pull secrets:', (sa.imagePullSecrets ?? []).map((r) => r.name)],
    ['Mountable secrets: ', (sa.secrets ?? []).map((r) => r.name)],
    ['Tokens:            ', related.tokens],
  ];
  for (const [header, names] of blocks) {
    if (!names.length) {
      w.write(0, `${header}\t<none>\n`);
      continue;
    }
    names.forEach((name, i) => w.write(0, `${i ? ' '.repeat(header.length) : header}\t${name}${related.missing.has(name) ? ' (not found)' : ''}\n`));
  }
  writeEvents(w, events, now);
  return w.toString();
}
