export * from './certificates';
export * from './cluster-pki';
export * from './kubeconfig';
