// A volume that could not be set up. The kubelet reports it as Kubernetes' volume manager does, a
// Warning FailedMount event "MountVolume.SetUp failed for volume "<name>" : <cause>", and the
// pod's containers wait (ContainerCreating) until a later sync sets the volume up.
export class VolumeSetupError extends Error {
  constructor(
    readonly volumeName: string,
    readonly reason: string,
  ) {
    super(`MountVolume.SetUp failed for volume "${volumeName}" : ${reason}`);
    this.name = 'VolumeSetupError';
  }
}

/** The cause Kubernetes' ConfigMap and Secret managers give for an object that does not exist. */
export function notFound(kind: 'configmap' | 'secret', name: string): string {
  return `${kind} "${name}" not found`;
}
