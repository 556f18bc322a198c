/**
 * PeerJS signalling for the video room (package `peer`, path /peerjs). Ticket checks that admit
 * only peer ids issued by the sync server come with the video room (issue «video room»).
 */
import type { Server } from 'node:http';
import { PeerServer } from 'peer';

export interface PeerServerHandle {
  port: number;
  close(): Promise<void>;
}

export function startPeerServer(host: string, port: number): Promise<PeerServerHandle> {
  return new Promise((resolve, reject) => {
    const peer = PeerServer({ host, port, path: '/peerjs', allow_discovery: false, proxied: false }, (server: Server) => {
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
    peer.on('error', reject);
  });
}
