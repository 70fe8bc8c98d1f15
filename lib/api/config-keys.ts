// Kubernetes' IsConfigMapKey: what may name a key of a ConfigMap or a Secret (and a file of a
// configMap/secret volume). Shared by the apiserver's validation and kitectl's create generators.
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;

/** IsConfigMapKey: the reasons `key` cannot be a key of a ConfigMap (or a Secret). */
export function configMapKeyErrors(key: string): string[] {
  const errs: string[] = [];
  if (Buffer.byteLength(key, 'utf8') > 253) errs.push('must be no more than 253 characters');
  if (!CONFIG_MAP_KEY.test(key)) {
    errs.push("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
  }
  if (key === '.') errs.push("must not be '.'");
  else if (key === '..') errs.push("must not be '..'");
  else if (key.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}
