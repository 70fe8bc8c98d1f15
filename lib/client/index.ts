export * from './clientset';
export * from './kubeconfig';
export * from './resource-client';
export * from './retry';
export * from './types';
