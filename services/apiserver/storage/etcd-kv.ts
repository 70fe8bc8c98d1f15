// Translation between etcd's wire messages (etcd3's IKeyValue/IEvent, int64 as strings) and the
// storage interface's types.
import type { IEvent, IKeyValue } from 'etcd3';
import type { KeyValue, StoreEvent } from './interface';
import { prefixEnd } from './key-range';

const ALL_KEYS = Buffer.from([0]);

export function toKeyValue(kv: IKeyValue): KeyValue {
  return {
    key: kv.key.toString(),
    value: kv.value,
    createRevision: Number(kv.create_revision),
    modRevision: Number(kv.mod_revision),
  };
}

export function toStoreEvent(ev: IEvent): StoreEvent {
  const prevKv = ev.prev_kv ? toKeyValue(ev.prev_kv) : undefined;
  if (ev.type === 'Delete') {
    const modRevision = Number(ev.kv.mod_revision);
    // etcd's deletion event carries only the key; the interface wants the last value.
    const kv = prevKv ? { ...prevKv, modRevision } : { key: ev.kv.key.toString(), value: new Uint8Array(), createRevision: 0, modRevision };
    return { type: 'delete', kv, prevKv };
  }
  const kv = toKeyValue(ev.kv);
  return kv.createRevision === kv.modRevision ? { type: 'create', kv } : { type: 'update', kv, prevKv };
}

/** etcd's [key, range_end) for every key under prefix ("\0" as range_end = no upper bound). */
export function prefixRange(prefix: string): { key: Buffer; range_end: Buffer } {
  const end = prefixEnd(prefix);
  return { key: prefix === '' ? ALL_KEYS : Buffer.from(prefix), range_end: end === '' ? ALL_KEYS : Buffer.from(end) };
}

export function isCompactedError(err: unknown): boolean {
  return err instanceof Error && err.message.includes('required revision has been compacted');
}

export function isFutureRevisionError(err: unknown): boolean {
  return err instanceof Error && err.message.includes('required revision is a future revision');
}
