// Kubernetes' IsConfigMapKey and IsEnvVarName: what may name a key of a ConfigMap or a Secret (and
// a file of a configMap/secret volume), and what may name an environment variable. Shared by the
// apiserver's validation, the kubelet's envFrom and kitectl's create generators.
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

const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** IsEnvVarName: the reasons `name` cannot be an environment variable's name. */
export function envVarNameErrors(name: string): string[] {
  const errs: string[] = [];
  if (!ENV_VAR_NAME.test(name)) {
    errs.push("a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')");
  }
  if (name === '.') errs.push("must not be '.'");
  else if (name === '..') errs.push("must not be '..'");
  else if (name.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}
