// Server-side apply and managed fields (k8s.io/apiserver's fieldmanager over
// sigs.k8s.io/structured-merge-diff): field sets, structured merge, managers and conflicts.
export { FieldSet, pathString } from './field-set';
export { APPLY_PATCH_TYPE, managerOrUserAgent, prefixFromUserAgent, validatePatchOptions } from './manager-name';
export { applyConfiguration, managedFieldsAfterUpdate, parseConfiguration, type AppliedObject } from './object-tracking';
