/**
 * The HAProxy configuration in front of N Relais nodes (HAProxy 2.6, Debian 12's), one HTTP front:
 * - `/sync/<docName>`: consistent hashing of the path, so that the sockets of one document usually
 *   meet on one node (correctness never depends on it: the nodes share the document's log);
 * - `/peerjs`: each node's peer server (PEER_PORT), hashed on the consultation part of the peer id
 *   (`p<tag>_<random>`, sync-server/auth/peerTicket.ts), so that the peers of one call meet on
 *   one peer server, which relays their signalling in memory;
 * - everything else round-robin.
 * A node is out after two failed `GET /api/health/ready` (a second, then half a second apart), back after one success;
 * a connection refused is retried on another node (`option redispatch 1`). `X-Forwarded-For` is
 * appended: the nodes run with TRUST_PROXY=1 and read its last hop.
 *
 * `npm run -s cluster -- --print-haproxy` prints it, as the operator's starting point (README «Cluster»).
 */

export interface HaproxyNode {
  /** Server name in HAProxy: `node-1`… (NODE_ID). */
  name: string;
  host: string;
  /** PORT: HTTP API, client, /sync. */
  port: number;
  /** PEER_PORT: /peerjs. */
  peerPort: number;
}

export interface HaproxyOptions {
  /** Address and port of the front, e.g. `127.0.0.1:8080` or `:80`. */
  bind: string;
  nodes: HaproxyNode[];
  /**
   * Adds `X-Relais-Node: <server name>` to every response (WebSocket upgrades included), so that
   * tests and a developer see which node answered. Off for an operator's configuration: it names
   * the inside of the service to anyone.
   */
  revealNode?: boolean;
}

/** The consultation part of a PeerJS id, as HAProxy extracts it from the `id` query parameter. */
export const PEER_ROUTE_KEY = 'urlp(id),field(1,_)';

export function haproxyConfig(options: HaproxyOptions): string {
  if (options.nodes.length === 0) throw new Error('haproxyConfig: no node');
  const servers = (port: (n: HaproxyNode) => number, health = 'check'): string[] =>
    // `id` fixed per name: consistent hashing then maps a key to the same node on every proxy.
    options.nodes.map((n, i) => `  server ${n.name} ${n.host}:${port(n)} id ${i + 1} ${health.replace('<name>', n.name)}`);
  // HTTP/1.1 with a Host: the nodes (uWebSockets.js) leave an HTTP/1.0 check without an answer.
  const check = (uri: string): string[] => ['  option httpchk', `  http-check send meth GET uri ${uri} ver HTTP/1.1 hdr Host relais`, '  http-check expect status 200'];
  return [
    '# Relais: HAProxy in front of the nodes (scripts/cluster/haproxy.ts). HAProxy 2.6.',
    'global',
    '  # maxconn: derived from the file descriptor limit (ulimit -n), two per proxied socket.',
    '  # No traffic log: URLs name documents and consultations. State changes of servers still go to stderr.',
    '',
    'defaults',
    '  mode http',
    '  option forwardfor',
    '  option redispatch 1',
    '  retries 3',
    '  # A node killed while taking a request closes it unanswered: such a request is sent again, to',
    '  # another node, when replaying it cannot do anything twice (a GET, a WebSocket upgrade).',
    '  retry-on conn-failure empty-response',
    '  timeout connect 2s',
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout http-request 10s',
    '  timeout http-keep-alive 10s',
    '  timeout queue 5s',
    '  # Once upgraded, WebSockets (sync, signalling) live as long as they carry a heartbeat.',
    '  timeout tunnel 1h',
    '  timeout client-fin 5s',
    '  # Checked every second (every 0.5 s once a check failed): out after 2 failures, back after 1 success; its sockets cut when out.',
    '  default-server inter 1s fastinter 500ms fall 2 rise 1 on-marked-down shutdown-sessions',
    '  # A busy node may answer its check late; a dead one refuses at once.',
    '  timeout check 3s',
    '',
    'frontend relais',
    `  bind ${options.bind}`,
    '  acl sync path_beg /sync/',
    '  acl signalling path_beg /peerjs',
    ...(options.revealNode ? ['  http-response set-header X-Relais-Node %[srv_name]'] : []),
    '  use_backend relais_sync if sync',
    '  use_backend relais_peer if signalling',
    '  default_backend relais_http',
    '',
    'backend relais_http',
    '  balance roundrobin',
    '  http-request disable-l7-retry if !METH_GET',
    ...check('/api/health/ready?scope=node'),
    ...servers((n) => n.port),
    '',
    '# /sync/<docName>: the path (document name) picks the node; only its documents move when a node goes.',
    'backend relais_sync',
    '  balance uri path-only',
    '  hash-type consistent',
    '  # The same servers as relais_http: one readiness check per node serves both.',
    ...servers((n) => n.port, 'track relais_http/<name>'),
    '',
    '# /peerjs: the consultation part of the peer id (`p<tag>_<random>`) picks the peer server.',
    'backend relais_peer',
    `  balance hash ${PEER_ROUTE_KEY}`,
    '  hash-type consistent',
    ...check('/peerjs'),
    ...servers((n) => n.peerPort),
    '',
  ].join('\n');
}
