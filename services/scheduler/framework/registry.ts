// Maps plugin names to factories, so a profile can name the plugins it enables.
import type { PluginFactory } from './interfaces';

export class Registry {
  private readonly factories = new Map<string, PluginFactory>();

  constructor(entries: Record<string, PluginFactory> = {}) {
    for (const [name, factory] of Object.entries(entries)) this.register(name, factory);
  }

  register(name: string, factory: PluginFactory): void {
    if (this.factories.has(name)) throw new Error(`a plugin named "${name}" is already registered`);
    this.factories.set(name, factory);
  }

  get(name: string): PluginFactory {
    const f = this.factories.get(name);
    if (!f) throw new Error(`no plugin named "${name}" is registered (known: ${this.names().join(', ')})`);
    return f;
  }

  names(): string[] {
    return [...this.factories.keys()];
  }

  /** A registry with this one's plugins and `other`'s (out-of-tree plugins). */
  merge(other: Registry): Registry {
    const r = new Registry();
    for (const src of [this, other]) for (const name of src.names()) r.register(name, src.get(name));
    return r;
  }
}
