// DefaultBinder: binds through the backend (the apiserver's pods/binding subresource). A rejected
// bind becomes an Error status in the framework.
import type { CycleState } from '../framework/cycle-state';
import type { BindPlugin, FrameworkHandle } from '../framework/interfaces';
import type { PodInfo } from '../framework/pod-info';
import { Status } from '../framework/status';
import { DEFAULT_BINDER } from './names';

export class DefaultBinder implements BindPlugin {
  readonly name = DEFAULT_BINDER;

  constructor(private readonly handle: FrameworkHandle) {}

  async bind(_state: CycleState, pod: PodInfo, nodeName: string): Promise<Status> {
    await this.handle.backend.bind(pod.pod, nodeName);
    return Status.success;
  }
}
