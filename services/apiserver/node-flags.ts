// The Node.js (V8) flags the apiserver runs with, given by whatever starts it (bin/kite-apiserver's
// own line, the control-plane static pod's command, benchmarks and tests that start it as a
// process): V8 reads its heap's sizes only when the process starts. Every request allocates its
// decoded, defaulted and encoded objects and lets them go; with V8's default 16 MiB semi-spaces
// the young generation is scavenged every few hundred writes, each scavenge copying whatever the
// requests in flight still hold. 64 MiB semi-spaces scavenge a quarter as often: the main thread's
// garbage-collection time per write halves (bench:api profile, issue 16), for up to 96 MiB more
// young generation (two semi-spaces of 64 instead of 16 MiB) once writes keep it busy.
// kube-apiserver's counterpart is Go's GOGC.
export const APISERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];
