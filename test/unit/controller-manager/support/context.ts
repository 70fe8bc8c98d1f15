// A ControllerContext for reconcile tests: informers that never list (their stores are
// preloaded by the test), a fake client recording calls, a fake event recorder and a clock the
// test sets.
import type { KindInfo, KubeObject } from '../../../../lib/api/kinds';
import { FakeEventRecorder } from '../../../../lib/events/fake-recorder';
import { InformerFactory, type ListerWatcher } from '../../../../lib/informer';
import { logger } from '../../../../lib/log';
import { FakeClock } from '../../../support/fake-clock';
import type { ControllerContext } from '../../../../services/controller-manager/controller';
import { FakeApiClient } from './fake-client';
import { T0 } from './fixtures';

export interface TestContext extends ControllerContext {
  client: FakeApiClient;
  events: FakeEventRecorder;
  clock: FakeClock;
  /** Sets the wall clock to T0 + `seconds`. */
  setNow(seconds: number): void;
}

const idle: ListerWatcher<any> = {
  list: () => new Promise(() => undefined),
  watch: async function* () {
    /* never used: the factory is not started */
  },
};

export function testContext(): TestContext {
  let now = T0;
  const events = new FakeEventRecorder();
  const silent = logger('test');
  silent.level = 'silent';
  const ctx: TestContext = {
    client: new FakeApiClient(() => now),
    informers: new InformerFactory(() => idle),
    events,
    recorder: () => events,
    now: () => now,
    clock: new FakeClock(),
    logger: () => silent,
    setNow: (seconds) => {
      now = T0 + seconds * 1000;
    },
  };
  return ctx;
}

/** Puts objects in the kind's informer cache and in the fake API's tracker. */
export function preload(ctx: TestContext, kind: KindInfo<any>, ...objs: KubeObject[]): void {
  const informer = ctx.informers.forKind(kind);
  for (const o of objs) informer.indexer.add(structuredClone(o));
  ctx.client.seed(kind, ...objs);
}
