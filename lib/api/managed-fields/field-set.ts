// A set of field paths as structured-merge-diff's fieldpath.Set holds it: a trie whose edges are
// path elements in FieldsV1 notation ("f:<field or map key>", "k:<JSON of a list item's keys>",
// "v:<JSON of a set item>", "i:<index>") and whose nodes may themselves be members (FieldsV1's
// "."). Read from and written as metav1.FieldsV1 (`{"f:spec":{"f:replicas":{}}}`), and printed as
// fieldpath.Path prints a path (`.spec.template.spec.containers[name="nginx"].image`). A set is
// built by child()/setChild()/member, then never changed: union, difference and intersection
// return new sets that share the parts they leave as they were.

/** What JSON.stringify would escape in a path element (field names and most keys have none). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** What a set without children reads: most sets are leaves, which then need no map of their own. */
const NO_CHILDREN: ReadonlyMap<string, FieldSet> = new Map();

export class FieldSet {
  member = false;
  private kids: Map<string, FieldSet> | undefined;
  /** The FieldsV1 text once written (undefined: an empty set; null: not written yet). */
  private text: string | undefined | null = null;

  /** The child sets by path element (added by child() and setChild()). */
  get children(): ReadonlyMap<string, FieldSet> {
    return this.kids ?? NO_CHILDREN;
  }

  setChild(element: string, set: FieldSet): void {
    (this.kids ??= new Map()).set(element, set);
  }

  /** The child set at one path element, made if absent. */
  child(element: string): FieldSet {
    let c = this.kids?.get(element);
    if (!c) {
      c = new FieldSet();
      this.setChild(element, c);
    }
    return c;
  }

  isEmpty(): boolean {
    if (this.member) return false;
    for (const c of this.children.values()) if (!c.isEmpty()) return false;
    return true;
  }

  /** Whether the path (its elements) is a member. */
  has(path: readonly string[]): boolean {
    let node: FieldSet | undefined = this;
    for (const e of path) {
      node = node.children.get(e);
      if (!node) return false;
    }
    return node.member;
  }

  union(other: FieldSet): FieldSet {
    if (other.isEmpty()) return this;
    if (this.isEmpty()) return other;
    const out = new FieldSet();
    out.member = this.member || other.member;
    for (const [e, c] of this.children) {
      const o = other.children.get(e);
      out.setChild(e, o ? c.union(o) : c);
    }
    for (const [e, o] of other.children) if (!this.children.has(e)) out.setChild(e, o);
    return out;
  }

  /** The members of this set that are not members of `other` (this set itself when none are). */
  difference(other: FieldSet | undefined): FieldSet {
    if (!other) return this;
    const out = new FieldSet();
    out.member = this.member && !other.member;
    let same = out.member === this.member;
    for (const [e, c] of this.children) {
      const o = other.children.get(e);
      const d = o ? c.difference(o) : c;
      if (d !== c) same = false;
      if (!d.isEmpty()) out.setChild(e, d);
      else same = false;
    }
    return same ? this : out;
  }

  intersection(other: FieldSet | undefined): FieldSet {
    const out = new FieldSet();
    if (!other) return out;
    out.member = this.member && other.member;
    for (const [e, c] of this.children) {
      const o = other.children.get(e);
      if (!o) continue;
      const i = c.intersection(o);
      if (!i.isEmpty()) out.setChild(e, i);
    }
    return out;
  }

  /** Every member path, in FieldsV1's order. */
  paths(prefix: string[] = []): string[][] {
    const out: string[][] = [];
    if (this.member) out.push(prefix);
    for (const e of sortedElements(this.children.keys())) out.push(...this.children.get(e)!.paths([...prefix, e]));
    return out;
  }

  /**
   * metav1.FieldsV1's JSON text: a member without children is `{}`, one with children also has
   * ".". Written in one pass (no object built, emptiness found on the way), as it is on every write.
   */
  toFieldsV1(): string {
    return this.fieldsV1Text() ?? '{}';
  }

  /** The set's FieldsV1 text; undefined when it is empty. Kept, as the set no longer changes once written. */
  private fieldsV1Text(): string | undefined {
    if (this.text === null) this.text = this.writeFieldsV1();
    return this.text;
  }

  private writeFieldsV1(): string | undefined {
    if (!this.kids) return this.member ? '{}' : undefined;
    const parts = this.member && this.kids.size ? ['".":{}'] : [];
    for (const e of sortedElements(this.children.keys())) {
      const text = this.children.get(e)!.fieldsV1Text();
      if (text !== undefined) parts.push(`${NEEDS_ESCAPE.test(e) ? JSON.stringify(e) : `"${e}"`}:${text}`);
    }
    if (parts.length === 0) return this.member ? '{}' : undefined;
    return `{${parts.join(',')}}`;
  }

  static fromFieldsV1(json: unknown): FieldSet {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('FieldsV1 must be a JSON object');
    const out = new FieldSet();
    const entries = Object.entries(json);
    if (entries.length === 0) out.member = true;
    for (const [e, v] of entries) {
      if (e === '.') out.member = true;
      else if (/^[fkvi]:/.test(e)) out.setChild(e, FieldSet.fromFieldsV1(v));
      else throw new Error(`unexpected FieldsV1 path element ${JSON.stringify(e)}`);
    }
    return out;
  }
}

const rank = (e: string) => 'fkvi'.indexOf(e[0]);
const elementOrder = (a: string, b: string) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);

/** structured-merge-diff's order: field names, then keys, values and indexes, each sorted. */
function sortedElements(keys: Iterable<string>): string[] {
  return [...keys].sort(elementOrder);
}

/** A path as fieldpath.Path.String() prints it: `.spec.containers[name="web"].image`, `[=value]`, `[0]`. */
export function pathString(path: readonly string[]): string {
  return path
    .map((e) => {
      const rest = e.slice(2);
      switch (e[0]) {
        case 'f':
          return `.${rest}`;
        case 'k': {
          const keys = JSON.parse(rest) as Record<string, unknown>;
          return `[${Object.entries(keys)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(',')}]`;
        }
        case 'v':
          return `[=${rest}]`;
        default:
          return `[${rest}]`;
      }
    })
    .join('');
}
