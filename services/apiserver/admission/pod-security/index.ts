// Kubernetes' PodSecurity admission (Pod Security Standards by namespace label): see admission.ts.
export { admitPodSecurity, type PodSecurityDecision, type PodSecurityRequest, type PodSecuritySource } from './admission';
export { DEFAULT_POD_SECURITY_CONFIGURATION, loadPodSecurityConfiguration, podSecurityConfiguration, type PodSecurityConfiguration } from './config';
export { evaluatePod, forbiddenDetail } from './evaluate';
export { policyFromLabels, type Level, type Policy } from './levels';
export { registrySource } from './registry-source';
export { PodSecurity } from './plugin';
