// The node's pod network: a runtime network on the node's podCIDR (assigned by the
// controller-manager's node IPAM, or a configured fallback when none runs). Pods other than
// hostNetwork ones wait until it exists.
import { logger } from '../../lib/log';
import type { ContainerRuntime } from './runtime/types';

const RETRY_MS = 2_000;

export class PodNetwork {
  private cidrValue: string | undefined;
  private ready = false;
  private configuring: Promise<void> | undefined;
  private retry: NodeJS.Timeout | undefined;
  private readonly log = logger('kubelet', { module: 'pod-network' });

  constructor(
    private readonly runtime: ContainerRuntime,
    readonly networkName: string,
    private readonly onReady: () => void,
  ) {}

  /** The network's name once it exists. */
  name(): string | undefined {
    return this.ready ? this.networkName : undefined;
  }

  cidr(): string | undefined {
    return this.cidrValue;
  }

  /** Sets the pod CIDR (first one wins: pods already hold addresses from it) and creates the network. */
  configure(cidr: string, source: string): Promise<void> {
    if (this.cidrValue && this.cidrValue !== cidr) {
      this.log.warn({ using: this.cidrValue, offered: cidr, source }, 'pod CIDR changed; keeping the one in use until the kubelet restarts');
      return Promise.resolve();
    }
    this.cidrValue = cidr;
    this.configuring ??= this.create(source);
    return this.configuring;
  }

  stop(): void {
    clearTimeout(this.retry);
  }

  private async create(source: string): Promise<void> {
    try {
      await this.runtime.ensurePodNetwork(this.networkName, this.cidrValue!);
      this.ready = true;
      this.log.info({ network: this.networkName, cidr: this.cidrValue, source }, 'pod network ready');
      this.onReady();
    } catch (err) {
      this.log.error({ network: this.networkName, cidr: this.cidrValue, err: (err as Error).message }, 'pod network not created; retrying');
      this.configuring = undefined;
      this.retry = setTimeout(() => void this.configure(this.cidrValue!, source), RETRY_MS);
      this.retry.unref();
    }
  }
}
