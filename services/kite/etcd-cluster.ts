// The etcd cluster of a highly available kite cluster, stacked as kubeadm stacks it: one member
// per control-plane node (Debian's etcd-server from the node's /usr, a static pod beside the
// apiserver), all of them named in --initial-cluster, peers and clients on TLS with certificates
// of the cluster CA: each member a serving pair (pki/etcd/server) and a peer pair (pki/etcd/peer)
// for its node's name and IP, each apiserver a client pair (pki/apiserver-etcd-client), as
// kubeadm's `certs etcd-server`, `etcd-peer` and `apiserver-etcd-client` phases issue them.
// Members advertise their node's name (Docker's DNS on the cluster network resolves it), so
// peers still find one another after a node restart gives it another address.
import type { CertKeyPair } from '../../lib/pki';
import { issueCertificate } from '../../lib/pki';
import type { Component } from './components';
import { CONFIG_DIR } from './node-config';

export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;
/** kubeadm's --listen-metrics-urls port, on loopback: /metrics and /health, which the static pod's probes read. */
export const ETCD_METRICS_PORT = 2381;
export const ETCD_METRICS_URL = `http://127.0.0.1:${ETCD_METRICS_PORT}`;
const ETCD_DATA = '/var/lib/kite/etcd';

/** A control-plane node: its name and its address on the cluster network. */
export interface EtcdMember {
  name: string;
  ip: string;
}

/** The /etc/kite files of the etcd PKI (kubeadm's layout under its pki directory). */
export const ETCD_PKI = {
  ca: 'pki/ca.crt',
  server: 'pki/etcd/server',
  peer: 'pki/etcd/peer',
  apiserverClient: 'pki/apiserver-etcd-client',
} as const;

const file = (base: string, ext: 'crt' | 'key') => `${CONFIG_DIR}/${base}.${ext}`;
const clientURL = (m: string) => `https://${m}:${ETCD_CLIENT_PORT}`;
const peerURL = (m: string) => `https://${m}:${ETCD_PEER_PORT}`;

/** etcd's --initial-cluster: every member by name at its peer URL. */
export function initialCluster(members: EtcdMember[]): string {
  return members.map((m) => `${m.name}=${peerURL(m.name)}`).join(',');
}

/** The names a member's certificates cover: its node's name and address, and loopback. */
export function memberSANs(member: EtcdMember): string[] {
  return [member.name, member.ip, 'localhost', '127.0.0.1'];
}

/** The etcd static pod of one control-plane node. */
export function etcdMemberComponent(cluster: string, self: EtcdMember, members: EtcdMember[]): Component {
  return {
    name: 'etcd',
    run: ['-v', `${ETCD_DATA}:${ETCD_DATA}`],
    privateDirs: [ETCD_DATA],
    command: [
      '/usr/bin/etcd',
      '--name', self.name,
      '--data-dir', ETCD_DATA,
      '--listen-client-urls', `https://0.0.0.0:${ETCD_CLIENT_PORT}`,
      '--advertise-client-urls', clientURL(self.name),
      '--listen-peer-urls', `https://0.0.0.0:${ETCD_PEER_PORT}`,
      '--initial-advertise-peer-urls', peerURL(self.name),
      '--initial-cluster', initialCluster(members),
      '--initial-cluster-state', 'new',
      '--initial-cluster-token', `kite-${cluster}`,
      '--listen-metrics-urls', ETCD_METRICS_URL,
      '--cert-file', file(ETCD_PKI.server, 'crt'),
      '--key-file', file(ETCD_PKI.server, 'key'),
      '--client-cert-auth',
      '--trusted-ca-file', `${CONFIG_DIR}/${ETCD_PKI.ca}`,
      '--peer-cert-file', file(ETCD_PKI.peer, 'crt'),
      '--peer-key-file', file(ETCD_PKI.peer, 'key'),
      '--peer-client-cert-auth',
      '--peer-trusted-ca-file', `${CONFIG_DIR}/${ETCD_PKI.ca}`,
      // Twice etcd's (and kubeadm's) default heartbeat and election timeout: members share a
      // loaded machine's cores, and a heartbeat late by a scheduling hiccup must not start an
      // election; yet a dead leader's followers wait one to two election timeouts before electing
      // another, all writes stalled and every apiserver unready (its /readyz reads etcd) the
      // while: with 5 s the load balancer marked every apiserver DOWN and shut every session,
      // watches included, before a leader came. Pre-vote (etcd 3.5's default): a member that
      // missed heartbeats only because it was starved itself asks first whether the others did
      // too, and deposes no leader that a quorum still hears.
      '--heartbeat-interval', '200',
      '--election-timeout', '2000',
      '--pre-vote',
      '--auto-compaction-retention', '1',
      // The apiservers' watches ask for progress notifications (a watch of a kind nobody writes
      // then resumes on another member from a recent revision); every 5 s instead of 10 min, so
      // that revision stays well inside what the apiservers' compaction keeps.
      '--experimental-watch-progress-notify-interval', '5s',
    ],
  };
}

/**
 * The apiserver's store flags: its own node's member only, as kubeadm's stacked etcd gives
 * kube-apiserver `--etcd-servers=https://127.0.0.1:2379`, over TLS with its client pair. The etcd
 * client sends each request to a random one of its endpoints, so with every member named a third
 * of an apiserver's requests would hang on a dead node's member; with its own only, a lost member
 * makes its apiserver unready (/readyz's etcd check) and the load balancer routes around it.
 */
export function apiserverEtcdArgs(self: EtcdMember): string[] {
  return [
    '--store', 'etcd',
    '--etcd-endpoints', clientURL(self.name),
    '--etcd-cafile', `${CONFIG_DIR}/${ETCD_PKI.ca}`,
    '--etcd-certfile', file(ETCD_PKI.apiserverClient, 'crt'),
    '--etcd-keyfile', file(ETCD_PKI.apiserverClient, 'key'),
  ];
}

/** A member's certificates, relative to /etc/kite (kubeadm's CNs: the node's name; kube-apiserver-etcd-client). */
export async function memberCertificates(ca: CertKeyPair, member: EtcdMember): Promise<Record<string, CertKeyPair>> {
  const altNames = memberSANs(member);
  return {
    [ETCD_PKI.server]: await issueCertificate(ca, { commonName: member.name, altNames, usage: 'server-and-client' }),
    [ETCD_PKI.peer]: await issueCertificate(ca, { commonName: member.name, altNames, usage: 'server-and-client' }),
    [ETCD_PKI.apiserverClient]: await issueCertificate(ca, { commonName: 'kube-apiserver-etcd-client', usage: 'client' }),
  };
}
