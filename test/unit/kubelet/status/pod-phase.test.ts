import assert from 'node:assert/strict';
import { ContainerStatus, PodSpec } from '../../../../lib/gen/kite/core/v1/types';
import { podPhase } from '../../../../services/kubelet/status/pod-phase';

const running = (name: string) => ContainerStatus.fromPartial({ name, state: { running: { startedAt: 't' } } });
const terminated = (name: string, exitCode: number) => ContainerStatus.fromPartial({ name, state: { terminated: { exitCode } } });
const waiting = (name: string, restarted = false) =>
  ContainerStatus.fromPartial({ name, state: { waiting: { reason: 'X' } }, lastState: restarted ? { terminated: { exitCode: 1 } } : {} });
const spec = (restartPolicy: string, names = ['a', 'b'], inits: string[] = []) =>
  PodSpec.fromPartial({ restartPolicy, containers: names.map((name) => ({ name })), initContainers: inits.map((name) => ({ name })) });

/** One app container "a" and one sidecar "s" (an init container with restartPolicy Always). */
const withSidecar = (restartPolicy: string) =>
  PodSpec.fromPartial({ restartPolicy, containers: [{ name: 'a' }], initContainers: [{ name: 's', restartPolicy: 'Always' }] });

describe('kubelet podPhase', () => {
  const cases: Array<[string, PodSpec, ContainerStatus[], ContainerStatus[], string]> = [
    ['no statuses yet', spec('Always'), [], [], 'Pending'],
    ['one waiting to be created', spec('Always'), [running('a'), waiting('b')], [], 'Pending'],
    ['all running', spec('Always'), [running('a'), running('b')], [], 'Running'],
    ['crash looping under Always', spec('Always'), [running('a'), waiting('b', true)], [], 'Running'],
    ['all exited under Always', spec('Always'), [terminated('a', 1), terminated('b', 0)], [], 'Running'],
    ['all succeeded under Never', spec('Never'), [terminated('a', 0), terminated('b', 0)], [], 'Succeeded'],
    ['one failed under Never', spec('Never'), [terminated('a', 0), terminated('b', 2)], [], 'Failed'],
    ['all succeeded under OnFailure', spec('OnFailure'), [terminated('a', 0), terminated('b', 0)], [], 'Succeeded'],
    ['one failed under OnFailure (will restart)', spec('OnFailure'), [terminated('a', 0), terminated('b', 2)], [], 'Running'],
    ['one still running under Never', spec('Never'), [running('a'), terminated('b', 0)], [], 'Running'],
    ['init container running', spec('Always', ['a'], ['i']), [waiting('a')], [running('i')], 'Pending'],
    ['init container failed under Never', spec('Never', ['a'], ['i']), [waiting('a')], [terminated('i', 1)], 'Failed'],
    ['initialized and running', spec('Never', ['a'], ['i']), [running('a')], [terminated('i', 0)], 'Running'],
    ['sidecar not started yet', withSidecar('Never'), [waiting('a')], [{ ...running('s'), started: false }], 'Pending'],
    ['app done under Never, sidecar still running', withSidecar('Never'), [terminated('a', 0)], [{ ...running('s'), started: true }], 'Succeeded'],
    ['app done under Never, sidecar killed', withSidecar('Never'), [terminated('a', 0)], [terminated('s', 137)], 'Succeeded'],
    ['app failed under Never, sidecar running', withSidecar('Never'), [terminated('a', 1)], [{ ...running('s'), started: true }], 'Failed'],
  ];
  for (const [what, s, statuses, inits, phase] of cases) {
    it(`${what}: ${phase}`, () => assert.equal(podPhase(s, statuses, inits), phase));
  }
});
