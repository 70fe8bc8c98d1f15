// The Pod Security Standards levels and a namespace's policy, read from its labels as
// Kubernetes' pod-security-admission api package does: `pod-security.kubernetes.io/<mode>` is
// privileged, baseline or restricted, `<mode>-version` is "latest" or "v1.<minor>". An absent
// label takes the configured default (privileged:latest unless the admission configuration says
// otherwise); an invalid one is reported and, when a pod is evaluated, treated as
// restricted:latest (the most restrictive policy).
import type { FieldCause } from '../../../../lib/api/errors';

export type Level = 'privileged' | 'baseline' | 'restricted';
export const LEVELS: readonly Level[] = ['privileged', 'baseline', 'restricted'];
export const MODES = ['enforce', 'audit', 'warn'] as const;
export type Mode = (typeof MODES)[number];

export const LABEL_PREFIX = 'pod-security.kubernetes.io/';
export const levelLabel = (mode: Mode) => `${LABEL_PREFIX}${mode}`;
export const versionLabel = (mode: Mode) => `${LABEL_PREFIX}${mode}-version`;

export interface LevelVersion {
  level: Level;
  /** "latest" or "v1.<minor>"; every version is evaluated with the newest checks. */
  version: string;
}

export type Policy = Record<Mode, LevelVersion>;

export const levelVersionString = (lv: LevelVersion) => `${lv.level}:${lv.version}`;
export const sameLevelVersion = (a: LevelVersion, b: LevelVersion) => a.level === b.level && a.version === b.version;
/** Negative when `a` is less restrictive than `b`. */
export const compareLevels = (a: Level, b: Level) => LEVELS.indexOf(a) - LEVELS.indexOf(b);

const VERSION = /^v1\.(0|[1-9][0-9]*)$/;

export interface ParsedPolicy {
  policy: Policy;
  /** Field errors for invalid labels (Kubernetes refuses them on namespace create and update). */
  errors: FieldCause[];
}

export const PRIVILEGED_POLICY: Policy = {
  enforce: { level: 'privileged', version: 'latest' },
  audit: { level: 'privileged', version: 'latest' },
  warn: { level: 'privileged', version: 'latest' },
};

/**
 * The namespace's policy; invalid values become restricted / latest and are listed in `errors`,
 * each under `fieldOf(key)` (the label's field path by default).
 */
export function policyFromLabels(
  labels: Record<string, string> | undefined,
  defaults: Policy = PRIVILEGED_POLICY,
  fieldOf: (key: string) => string = (key) => `metadata.labels[${key}]`,
): ParsedPolicy {
  const errors: FieldCause[] = [];
  const invalid = (key: string, value: string, why: string) => errors.push({ field: fieldOf(key), message: `Invalid value: ${JSON.stringify(value)}: ${why}` });
  const policy = {} as Policy;
  for (const mode of MODES) {
    const lv: LevelVersion = { ...defaults[mode] };
    const level = labels?.[levelLabel(mode)];
    if (level !== undefined) {
      if ((LEVELS as readonly string[]).includes(level)) lv.level = level as Level;
      else {
        lv.level = 'restricted';
        invalid(levelLabel(mode), level, `must be one of ${LEVELS.join(', ')}`);
      }
    }
    const version = labels?.[versionLabel(mode)];
    if (version !== undefined) {
      if (version === 'latest' || VERSION.test(version)) lv.version = version;
      else invalid(versionLabel(mode), version, 'must be "latest" or "v1.x"');
    }
    policy[mode] = lv;
  }
  return { policy, errors };
}

export function fullyPrivileged(p: Policy): boolean {
  return MODES.every((m) => p[m].level === 'privileged');
}
