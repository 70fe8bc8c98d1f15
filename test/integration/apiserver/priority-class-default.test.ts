// At most one globalDefault PriorityClass, whatever the write: the Priority admission refuses a
// class made globalDefault by an update, a patch (merge, JSON, strategic) or a server-side apply
// while another class is the default, over gRPC and over the HTTP API, with Kubernetes' message;
// the default class itself may still be written.
import { strict as assert } from 'node:assert';
import { PriorityClasses } from '../../../lib/api/kinds';
import { PriorityClass } from '../../../lib/gen/kite/scheduling/v1/types';
import { useApiserver, uniqueName } from './harness';

const refusal = (name: string, def: string) => `priorityclasses.scheduling.k8s.io "${name}" is forbidden: PriorityClass ${def} is already marked as default. Only one default can exist`;

describe('PriorityClass globalDefault on update, patch and apply', () => {
  const h = useApiserver('sqlite', { securePort: 0 });
  const classes = () => h.client.resource(PriorityClasses);
  let def = '';
  let other = '';

  before(async () => {
    def = uniqueName('pc-default');
    other = uniqueName('pc-other');
    await classes().create(PriorityClass.fromPartial({ metadata: { name: def }, value: 100, globalDefault: true }));
    await classes().create(PriorityClass.fromPartial({ metadata: { name: other }, value: 50 }));
  });

  it('refuses a second default through gRPC update, merge/JSON/strategic patch and apply, and lets the default itself be written', async () => {
    const message = refusal(other, def);
    const current = await classes().get(other);
    await assert.rejects(classes().update({ ...current, globalDefault: true }), (err: Error) => err.message.includes(message));
    await assert.rejects(classes().patch(other, { globalDefault: true }), (err: Error) => err.message.includes(message));
    await assert.rejects(classes().patch(other, [{ op: 'add', path: '/globalDefault', value: true }], { type: 'json' }), (err: Error) => err.message.includes(message));
    await assert.rejects(classes().patch(other, { globalDefault: true }, { type: 'strategic' }), (err: Error) => err.message.includes(message));
    const config = { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: other }, value: 50, globalDefault: true };
    await assert.rejects(classes().apply(other, config, { fieldManager: 'test', force: true }), (err: Error) => err.message.includes(message));
    assert.equal((await classes().get(other)).globalDefault, false);
    // The default class may be patched (and stays the default); another class may be patched otherwise.
    assert.equal((await classes().patch(def, { description: 'the default' })).globalDefault, true);
    assert.equal((await classes().patch(other, { description: 'not the default' })).description, 'not the default');
  });

  it('refuses it over the HTTP API (PUT, merge patch, server-side apply) with 403 and the same message', async () => {
    const base = `http://127.0.0.1:${h.api.server.securePort}/apis/scheduling.k8s.io/v1/priorityclasses/${other}`;
    const send = async (method: string, contentType: string, body: unknown) => {
      const res = await fetch(method === 'PATCH' && contentType.startsWith('application/apply') ? `${base}?fieldManager=test&force=true` : base, {
        method,
        headers: { 'Content-Type': contentType },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { message?: string; reason?: string } };
    };
    const current = (await (await fetch(base)).json()) as Record<string, unknown>;
    for (const [method, type, body] of [
      ['PUT', 'application/json', { ...current, globalDefault: true }],
      ['PATCH', 'application/merge-patch+json', { globalDefault: true }],
      ['PATCH', 'application/apply-patch+yaml', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: other }, value: 50, globalDefault: true }],
    ] as const) {
      const res = await send(method, type, body);
      assert.deepEqual([res.status, res.body.reason, res.body.message], [403, 'Forbidden', refusal(other, def)], `${method} ${type}`);
    }
    assert.equal((await classes().get(other)).globalDefault, false);
  });
});
