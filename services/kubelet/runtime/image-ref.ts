// Image references as Docker resolves them: a reference with neither tag nor digest means :latest.

/** "nginx" -> "nginx:latest"; "localhost:5000/app" -> "localhost:5000/app:latest"; tags and digests are kept. */
export function normalizeImageRef(ref: string): string {
  const trimmed = ref.trim();
  if (trimmed.includes('@')) return trimmed;
  const lastSlash = trimmed.lastIndexOf('/');
  const lastColon = trimmed.lastIndexOf(':');
  return lastColon > lastSlash ? trimmed : `${trimmed}:latest`;
}
