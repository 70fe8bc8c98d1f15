// The admission plugin integration tests run without, as Kubernetes' integration framework
// starts kube-apiserver without it (test/integration/framework disables ServiceAccount): they
// create pods in namespaces where no serviceaccount controller has made a `default`
// ServiceAccount. A test that wants the plugin enables it (enableAdmissionPlugins or
// --enable-admission-plugins ServiceAccount); `kite` clusters and real deployments keep it on.
import type { ApiserverConfig } from '../../services/apiserver/server';

const OFF_IN_TESTS = 'ServiceAccount';

/** `cfg`'s admission lists, with ServiceAccount disabled unless `cfg` enables it. */
export function testAdmission(cfg: Partial<ApiserverConfig>): Pick<ApiserverConfig, 'enableAdmissionPlugins' | 'disableAdmissionPlugins'> {
  const enable = cfg.enableAdmissionPlugins ?? [];
  const disable = cfg.disableAdmissionPlugins ?? [];
  return { enableAdmissionPlugins: enable, disableAdmissionPlugins: enable.includes(OFF_IN_TESTS) || disable.includes(OFF_IN_TESTS) ? disable : [...disable, OFF_IN_TESTS] };
}

/** The same for kite-apiserver's flags: the flag to add unless `args` already choose the admission plugins. */
export function testAdmissionFlags(args: readonly string[]): string[] {
  return args.some((a) => a.startsWith('--enable-admission-plugins') || a.startsWith('--disable-admission-plugins')) ? [] : ['--disable-admission-plugins', OFF_IN_TESTS];
}
