export type * from './types';
export { DockerRuntime, type DockerRuntimeOptions } from './docker-runtime';
export { ContainerNotFoundError, ImagePullError, RuntimeError } from './errors';
export { containerHash } from './container-hash';
export { normalizeImageRef } from './image-ref';
export { DEFAULT_PAUSE_IMAGE } from './docker-config';
export { LABEL, SANDBOX_CONTAINER_NAME } from './labels';
