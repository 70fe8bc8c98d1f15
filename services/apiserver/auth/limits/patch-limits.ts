// Bounds on patch documents, checked before they are parsed and applied: the merge and JSON
// patch code recurses over the document, so nesting is capped well above any real object.
import { BadRequestError } from '../../../../lib/api/errors';

export const MAX_PATCH_NESTING = 100;

/** Deepest bracket nesting of a JSON text (strings skipped), without parsing it. */
export function jsonNesting(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

export function checkPatch(patch: unknown, maxNesting = MAX_PATCH_NESTING): void {
  if (typeof patch !== 'string') return;
  const depth = jsonNesting(patch);
  if (depth > maxNesting) throw new BadRequestError(`the patch is nested ${depth} levels deep; at most ${maxNesting} are accepted`);
}
