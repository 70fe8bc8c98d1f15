export * from './clientset';
export * from './in-cluster';
export * from './kubeconfig';
export * from './resource-client';
export * from './retry';
export * from './types';
