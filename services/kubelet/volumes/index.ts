// The kubelet's volumes: the volume manager, the atomic writer and the volume sources.
export { writeAtomically, DATA_DIR_NAME, type FileProjection, type Payload } from './atomic-writer';
export { VolumeSetupError } from './errors';
export { emptyDirPath, podDir, podVolumesDir, volumeDir } from './paths';
export { VolumeManager, type PodVolumesResult, type VolumeManagerOptions } from './volume-manager';
