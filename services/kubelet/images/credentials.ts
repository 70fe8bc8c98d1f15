// Registry credentials from a pod's imagePullSecrets, matched to an image as Kubernetes' kubelet
// matches them (pkg/credentialprovider: BasicDockerKeyring, URLsMatch, isDefaultRegistryMatch, and
// secrets.MakeDockerKeyring): kubernetes.io/dockerconfigjson and kubernetes.io/dockercfg Secrets
// give entries keyed by registry host with an optional path (a scheme and a /v1/ or /v2/ prefix are
// ignored); an image matches an entry whose host has the same number of dot-separated parts, each
// matching (globs such as *.example.com), the same port, and a path that prefixes the image's
// repository. More specific keys come first; an image of Docker Hub that matches none gets the
// index.docker.io entry.
import type { Secret } from '../../../lib/gen/kite/core/v1/types';
import type { RegistryAuth } from '../runtime/types';

const DOCKER_CONFIG_JSON = 'kubernetes.io/dockerconfigjson';
const DOCKERCFG = 'kubernetes.io/dockercfg';
const DEFAULT_REGISTRY_HOST = 'index.docker.io';

interface DockerConfigEntry {
  username?: string;
  password?: string;
  email?: string;
  auth?: string;
}

/** An entry's username and password; `auth` (base64 of "user:password") wins, as in Kubernetes' DockerConfigEntry. */
function entryCredentials(entry: DockerConfigEntry): { username: string; password: string; email?: string } {
  if (!entry.auth) return { username: entry.username ?? '', password: entry.password ?? '', email: entry.email };
  const decoded = Buffer.from(entry.auth, 'base64').toString();
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new Error('unable to parse auth field, must be formatted as base64(username:password)');
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), email: entry.email };
}

/** A URL without a scheme, split as Kubernetes' ParseSchemelessURL and SplitURL do. */
function parseSchemeless(s: string): { hostParts: string[]; port: string; path: string } | undefined {
  let url: URL;
  try {
    url = new URL(`https://${s}`);
  } catch {
    return undefined;
  }
  return { hostParts: url.hostname.split('.'), port: url.port, path: url.pathname };
}

/** filepath.Match of one host part: `*` any run of characters, `?` one, [...] a class. */
function globMatch(glob: string, s: string): boolean {
  const re = glob.replace(/[.+^${}()|\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
  try {
    return new RegExp(`^${re}$`).test(s);
  } catch {
    return false;
  }
}

/** Kubernetes' URLsMatchStr: whether the credential key `glob` applies to the repository `target`. */
export function urlsMatch(glob: string, target: string): boolean {
  const g = parseSchemeless(glob);
  const t = parseSchemeless(target);
  if (!g || !t) return false;
  if (g.port !== t.port || g.hostParts.length !== t.hostParts.length) return false;
  if (!t.path.startsWith(g.path)) return false;
  return g.hostParts.every((part, i) => globMatch(part, t.hostParts[i]));
}

/** Kubernetes' isDefaultRegistryMatch: whether an image (repository) comes from Docker Hub. */
export function isDefaultRegistryMatch(image: string): boolean {
  const slash = image.indexOf('/');
  const first = slash < 0 ? image : image.slice(0, slash);
  if (first === '') return false;
  if (slash < 0) return true;
  if (first === 'docker.io' || first === 'index.docker.io') return true;
  return !/[.:]/.test(first);
}

/**
 * An image reference's repository, normalized as Kubernetes' ParseImageName does before the
 * keyring lookup: "nginx:1.25" -> "docker.io/library/nginx", "quay.io/org/app@sha256:..." ->
 * "quay.io/org/app".
 */
export function imageRepository(image: string): string {
  let name = image.trim();
  const at = name.indexOf('@');
  if (at >= 0) name = name.slice(0, at);
  const lastSlash = name.lastIndexOf('/');
  const lastColon = name.lastIndexOf(':');
  if (lastColon > lastSlash) name = name.slice(0, lastColon);
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const hasRegistry = slash >= 0 && (/[.:]/.test(first) || first === 'localhost');
  if (hasRegistry) return first === 'index.docker.io' ? `docker.io${name.slice(first.length)}` : name;
  return slash < 0 ? `docker.io/library/${name}` : `docker.io/${name}`;
}

/** The key Kubernetes' BasicDockerKeyring.Add files an entry under: host, plus its path unless empty or "/". */
function keyringKey(location: string): string | undefined {
  let url: URL;
  try {
    url = new URL(/^https?:\/\//.test(location) ? location : `https://${location}`);
  } catch {
    return undefined;
  }
  let path = url.pathname;
  if (path.startsWith('/v2/') || path.startsWith('/v1/')) path = path.slice(3);
  return path.length > 0 && path !== '/' ? `${url.host}${path}` : url.host;
}

/** The registry credentials of a set of pull secrets (Kubernetes' MakeDockerKeyring with BasicDockerKeyring). */
export class DockerKeyring {
  private readonly creds = new Map<string, RegistryAuth[]>();
  /** Keys, reverse-sorted so that more specific paths are tried first. */
  private index: string[] = [];

  /** Throws (as Kubernetes' MakeDockerKeyring) when a Secret's config is not valid JSON or an auth field is malformed. */
  static fromSecrets(secrets: readonly Secret[]): DockerKeyring {
    const keyring = new DockerKeyring();
    for (const s of secrets) {
      const json = s.data['.dockerconfigjson'];
      const cfg = s.data['.dockercfg'];
      if (s.type === DOCKER_CONFIG_JSON && json?.length) keyring.add((JSON.parse(Buffer.from(json).toString()) as { auths?: Record<string, DockerConfigEntry> }).auths ?? {});
      else if (s.type === DOCKERCFG && cfg?.length) keyring.add(JSON.parse(Buffer.from(cfg).toString()) as Record<string, DockerConfigEntry>);
    }
    return keyring;
  }

  add(config: Record<string, DockerConfigEntry>): void {
    for (const [location, entry] of Object.entries(config)) {
      const key = keyringKey(location);
      if (key === undefined) continue;
      const list = this.creds.get(key) ?? [];
      list.push({ ...entryCredentials(entry ?? {}), serveraddress: location });
      this.creds.set(key, list);
    }
    this.index = [...this.creds.keys()].sort().reverse();
  }

  /** The credentials to try for `image`, in order; empty: pull anonymously. */
  lookup(image: string): RegistryAuth[] {
    const repository = imageRepository(image);
    const found = this.index.filter((key) => urlsMatch(key, repository)).flatMap((key) => this.creds.get(key)!);
    if (found.length > 0) return found;
    if (isDefaultRegistryMatch(repository)) return this.creds.get(DEFAULT_REGISTRY_HOST) ?? [];
    return [];
  }
}
