// The PodSecurity admission plugin: admitPodSecurity's decision applied to a call. Refusals
// (enforce) throw; warnings (warn) go out with the response; notes (audit) go into the audit record.
import type { AdmissionPlugin, AdmissionRequest } from '../chain';
import { admitPodSecurity, type PodSecuritySource } from './admission';

export class PodSecurity implements AdmissionPlugin {
  readonly name = 'PodSecurity';

  constructor(private readonly source: PodSecuritySource) {}

  async validate(req: AdmissionRequest): Promise<void> {
    const d = await admitPodSecurity({ kind: req.kind, rpc: req.rpc, namespace: req.attributes.namespace, request: req.request, user: req.user.name }, this.source);
    Object.assign(req.auditAnnotations, d.auditAnnotations);
    for (const w of d.warnings) req.warn(w);
    if (d.refusal) throw d.refusal;
  }
}
