import assert from 'node:assert/strict';
import { Container, Pod, Probe } from '../../../../lib/gen/kite/core/v1/types';
import { FakeClock } from '../../../support/fake-clock';
import type { EventRecorder } from '../../../../lib/events';
import { ProbeManager } from '../../../../services/kubelet/probes/probe-manager';
import type { Prober, ProbeTarget } from '../../../../services/kubelet/probes/prober';
import type { ContainerRun } from '../../../../services/kubelet/probes/probe-worker';

/** A prober whose outcome per container and probe kind the test sets. */
class ScriptedProber implements Prober {
  readonly outcomes = new Map<string, boolean>();
  readonly calls: string[] = [];
  async probe(probe: Probe, target: ProbeTarget) {
    const kind = probe === target.container.livenessProbe ? 'liveness' : probe === target.container.readinessProbe ? 'readiness' : 'startup';
    this.calls.push(`${target.containerId}/${kind}`);
    const success = this.outcomes.get(kind) ?? true;
    return { success, message: success ? '' : `${kind} says no` };
  }
}

const probe = (p: Partial<Probe>) => Probe.fromPartial({ exec: { command: ['check'] }, timeoutSeconds: 1, periodSeconds: 1, successThreshold: 1, failureThreshold: 3, ...p });

function podWith(container: Partial<Container>): Pod {
  return Pod.fromPartial({ metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: { containers: [{ name: 'c', image: 'x', ...container }] } });
}

describe('kubelet probe workers', () => {
  let clock: FakeClock;
  let prober: ScriptedProber;
  let changes: number;
  let events: string[];
  let manager: ProbeManager;

  const recorder: EventRecorder = { event: (_o, type, reason, message) => events.push(`${type} ${reason} ${message}`) };
  const run = (id: string, startedAt = 0): Map<string, ContainerRun> => new Map([['c', { id, startedAt, podIP: '10.0.0.2' }]]);

  /** Steps the fake clock, letting each probe's promise settle before the next timer. */
  async function advance(ms: number): Promise<void> {
    for (let t = 0; t < ms; t += 100) {
      clock.step(100);
      await new Promise((r) => setImmediate(r));
    }
  }

  beforeEach(() => {
    clock = new FakeClock(0);
    prober = new ScriptedProber();
    changes = 0;
    events = [];
    manager = new ProbeManager({ prober, recorder, clock, wallNow: () => clock.now(), onChange: () => changes++ });
  });

  afterEach(() => manager.stop());

  it('is not ready until the readiness probe succeeds, and waits initialDelaySeconds first', async () => {
    const pod = podWith({ readinessProbe: probe({ initialDelaySeconds: 3 }) });
    manager.syncPod(pod, run('c1'));
    assert.equal(manager.ready('c1'), false);
    await advance(2_900);
    assert.deepEqual(prober.calls, []);
    await advance(200);
    assert.deepEqual(prober.calls, ['c1/readiness']);
    assert.equal(manager.ready('c1'), true);
    assert.equal(changes, 1);
  });

  it('changes readiness only after failureThreshold failures and successThreshold successes', async () => {
    const pod = podWith({ readinessProbe: probe({ failureThreshold: 3, successThreshold: 2 }) });
    manager.syncPod(pod, run('c1'));
    await advance(100);
    assert.equal(prober.calls.length, 1);
    assert.equal(manager.ready('c1'), false, 'one success is not enough');
    await advance(1_000);
    assert.equal(manager.ready('c1'), true);
    prober.outcomes.set('readiness', false);
    await advance(2_000);
    assert.equal(manager.ready('c1'), true, 'two failures are not enough');
    await advance(1_000);
    assert.equal(manager.ready('c1'), false);
    assert.ok(events.some((e) => e === 'Warning Unhealthy Readiness probe failed: readiness says no'));
  });

  it('reports a liveness failure once, then holds until the container is replaced', async () => {
    const pod = podWith({ livenessProbe: probe({ failureThreshold: 2 }) });
    prober.outcomes.set('liveness', false);
    manager.syncPod(pod, run('c1'));
    assert.equal(manager.verdict('c1'), undefined, 'alive until proven otherwise');
    await advance(2_050);
    assert.equal(manager.verdict('c1'), 'LivenessProbe');
    const probed = prober.calls.length;
    await advance(3_000);
    assert.equal(prober.calls.length, probed, 'on hold: no more probes of the doomed container');
    prober.outcomes.set('liveness', true);
    manager.syncPod(pod, run('c2', clock.now()));
    assert.equal(manager.verdict('c2'), undefined);
    await advance(1_000);
    assert.equal(prober.calls.at(-1), 'c2/liveness');
    assert.equal(manager.verdict('c2'), undefined);
  });

  it('holds liveness and readiness back until the startup probe passes', async () => {
    const pod = podWith({ startupProbe: probe({ failureThreshold: 10 }), livenessProbe: probe({ failureThreshold: 1 }), readinessProbe: probe({}) });
    prober.outcomes.set('startup', false);
    prober.outcomes.set('liveness', false);
    manager.syncPod(pod, run('c1'));
    await advance(3_000);
    assert.deepEqual(new Set(prober.calls), new Set(['c1/startup']));
    assert.equal(manager.started('c1'), false);
    assert.equal(manager.verdict('c1'), undefined);
    prober.outcomes.set('startup', true);
    prober.outcomes.set('liveness', true);
    await advance(1_200);
    assert.equal(manager.started('c1'), true);
    assert.equal(manager.ready('c1'), true);
    const startups = prober.calls.filter((c) => c.endsWith('startup')).length;
    await advance(2_000);
    assert.equal(prober.calls.filter((c) => c.endsWith('startup')).length, startups, 'startup probing stops once it passed');
  });

  it('kills a container that never starts (startup failureThreshold reached)', async () => {
    const pod = podWith({ startupProbe: probe({ failureThreshold: 3 }) });
    prober.outcomes.set('startup', false);
    manager.syncPod(pod, run('c1'));
    await advance(3_100);
    assert.equal(manager.verdict('c1'), 'StartupProbe');
  });

  it('keeps the readiness a previous kubelet reported for the same container', () => {
    const pod = podWith({ readinessProbe: probe({}), startupProbe: probe({}) });
    manager.syncPod(pod, run('c1'), [{ name: 'c', containerID: 'docker://c1', ready: true, started: true, restartCount: 0, image: '', imageID: '' }]);
    assert.equal(manager.ready('c1'), true);
    assert.equal(manager.started('c1'), true);
    manager.syncPod(pod, run('c2'), [{ name: 'c', containerID: 'docker://c1', ready: true, started: true, restartCount: 0, image: '', imageID: '' }]);
    assert.equal(manager.ready('c2'), false, 'another container starts over');
  });

  it('forgets a pod: its workers stop probing', async () => {
    const pod = podWith({ readinessProbe: probe({}) });
    manager.syncPod(pod, run('c1'));
    manager.removePod('u');
    await advance(3_000);
    assert.deepEqual(prober.calls, []);
    assert.equal(clock.timerCount(), 0);
  });
});
