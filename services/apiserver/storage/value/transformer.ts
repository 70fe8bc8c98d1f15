// How stored values are turned into bytes at rest and back (Kubernetes' storage/value package):
// a Transformer per resource, and the prefix transformer that writes with its first entry and
// reads with whichever entry's prefix the stored bytes carry, so that keys and providers rotate.

export interface FromStorage {
  data: Uint8Array;
  /** Read with an entry other than the one that writes: a rewrite would store it differently. */
  stale: boolean;
}

export interface Transformer {
  /** `authenticatedData` is the storage key: AEAD providers bind the value to it. */
  fromStorage(data: Uint8Array, authenticatedData: Uint8Array): FromStorage;
  toStorage(data: Uint8Array, authenticatedData: Uint8Array): Uint8Array;
}

export interface PrefixTransformer {
  prefix: Uint8Array;
  transformer: Transformer;
}

function hasPrefix(data: Uint8Array, prefix: Uint8Array): boolean {
  if (data.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (data[i] !== prefix[i]) return false;
  return true;
}

/** value.NewPrefixTransformers: `noMatch` is the error when no entry's prefix matches. */
export class PrefixTransformers implements Transformer {
  constructor(
    private readonly noMatch: string,
    private readonly entries: PrefixTransformer[],
  ) {
    if (entries.length === 0) throw new Error('a prefix transformer needs at least one entry');
  }

  fromStorage(data: Uint8Array, authenticatedData: Uint8Array): FromStorage {
    const errors: string[] = [];
    for (const [i, { prefix, transformer }] of this.entries.entries()) {
      if (!hasPrefix(data, prefix)) continue;
      try {
        const out = transformer.fromStorage(data.subarray(prefix.length), authenticatedData);
        return { data: out.data, stale: out.stale || i !== 0 };
      } catch (err) {
        // An empty prefix (identity) matches everything: what it refuses, a later entry may read.
        if (prefix.length === 0) {
          errors.push((err as Error).message);
          continue;
        }
        throw err;
      }
    }
    throw new Error(errors.length > 0 ? errors.join(', ') : this.noMatch);
  }

  toStorage(data: Uint8Array, authenticatedData: Uint8Array): Uint8Array {
    const { prefix, transformer } = this.entries[0];
    return Buffer.concat([prefix, transformer.toStorage(data, authenticatedData)]);
  }
}
