// kitectl port-forward's client-side decisions, as kubectl makes them: port arguments, the pod of
// a selector, named ports and a Service's ports translated to the pod's.
import { strict as assert } from 'node:assert';
import { Pod, Service } from '../../../lib/gen/kite/core/v1/types';
import { listenAddresses, mostActivePod, parsePorts, podPort, servicePort } from '../../../services/kitectl/port-forward';

const pod = (name: string, phase: string, ready: boolean, created = '2026-01-01T00:00:00Z') =>
  Pod.fromPartial({
    metadata: { name, creationTimestamp: created },
    spec: { nodeName: 'n1', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }] },
    status: { phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  });

describe('kitectl port-forward', () => {
  it('parses [LOCAL:]REMOTE as kubectl does', () => {
    assert.deepEqual(parsePorts(['8080', '9090:80', ':http']), [
      { local: 8080, remote: '8080' },
      { local: 9090, remote: '80' },
      { local: 0, remote: 'http' },
    ]);
    assert.throws(() => parsePorts(['a:b:c']), /invalid port format 'a:b:c'/);
    assert.throws(() => parsePorts(['x:80']), /Error parsing local port 'x'/);
    assert.throws(() => parsePorts([]), /TYPE\/NAME and list of ports are required for port-forward/);
  });

  it('picks the most active pod: running and ready first, then the oldest', () => {
    const pods = [pod('pending', 'Pending', false), pod('running', 'Running', false), pod('ready-new', 'Running', true, '2026-01-02T00:00:00Z'), pod('ready-old', 'Running', true)];
    assert.equal(mostActivePod(pods)!.metadata!.name, 'ready-old');
    assert.equal(mostActivePod([]), undefined);
  });

  it("resolves a container port's name, and a Service port to its target port", () => {
    const p = pod('web', 'Running', true);
    assert.equal(podPort(p, 'http'), 8080);
    assert.equal(podPort(p, '81'), 81);
    assert.throws(() => podPort(p, 'nope'), /Pod 'web' does not have a named port 'nope'/);
    const svc = Service.fromPartial({
      metadata: { name: 'web' },
      spec: {
        ports: [
          { name: 'web', port: 80, targetPort: 'http' },
          { name: 'alt', port: 81, targetPort: 9000 },
          { name: 'same', port: 82 },
        ],
      },
    });
    assert.deepEqual(servicePort(svc, p, { local: 0, remote: '80' }), { local: 80, remote: '8080' });
    assert.deepEqual(servicePort(svc, p, { local: 0, remote: 'web' }), { local: 0, remote: '8080' });
    assert.deepEqual(servicePort(svc, p, { local: 5000, remote: '81' }), { local: 5000, remote: '9000' });
    assert.deepEqual(servicePort(svc, p, { local: 0, remote: '82' }), { local: 82, remote: '82' });
    assert.throws(() => servicePort(svc, p, { local: 0, remote: '99' }), /Service web does not have a service port 99/);
  });

  it('listens on both loopbacks for localhost', () => {
    assert.deepEqual(listenAddresses(undefined), ['127.0.0.1', '::1']);
    assert.deepEqual(listenAddresses('localhost,0.0.0.0'), ['127.0.0.1', '::1', '0.0.0.0']);
  });
});
