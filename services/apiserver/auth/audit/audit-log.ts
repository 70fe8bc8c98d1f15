// The audit log (--audit-log-path): one JSON line per request, allowed or not, written when the
// request finishes: who (user, groups, and the real user behind an impersonation), what (verb,
// resource, namespace, name, gRPC method), the decision (allow, forbid, unauthenticated, error),
// the gRPC code and the latency. "-" writes to standard output.
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { status as Status } from '@grpc/grpc-js';

export type AuditDecision = 'allow' | 'forbid' | 'unauthenticated' | 'error';

export interface AuditEvent {
  time: string;
  auditID: string;
  user: string;
  groups: string[];
  /** Set when the request impersonated `user`: who really sent it. */
  impersonatedBy?: string;
  verb: string;
  apiGroup: string;
  resource: string;
  namespace: string;
  name: string;
  method: string;
  sourceIP: string;
  userAgent: string;
  decision: AuditDecision;
  /** Why the authorizer decided so (RBAC binding, node rule). */
  reason?: string;
  code: number;
  codeName: string;
  /** The error message of a failed request. */
  message?: string;
  /** Admission's notes, e.g. pod-security.kubernetes.io/enforce-policy. */
  annotations?: Record<string, string>;
  latencyMs: number;
}

export type AuditInput = Omit<AuditEvent, 'time' | 'auditID' | 'codeName'>;

export interface AuditSink {
  record(e: AuditInput): void;
  close(): Promise<void>;
}

export class AuditLog implements AuditSink {
  private readonly out: WriteStream | NodeJS.WriteStream;

  constructor(path: string) {
    if (path === '-') this.out = process.stdout;
    else {
      mkdirSync(dirname(path), { recursive: true });
      this.out = createWriteStream(path, { flags: 'a', mode: 0o600 });
    }
  }

  record(e: AuditInput): void {
    const event: AuditEvent = { time: new Date().toISOString(), auditID: randomUUID(), ...e, codeName: Status[e.code] ?? String(e.code) };
    this.out.write(`${JSON.stringify(event)}\n`);
  }

  close(): Promise<void> {
    if (this.out === process.stdout) return Promise.resolve();
    return new Promise((resolve) => (this.out as WriteStream).end(resolve));
  }
}
