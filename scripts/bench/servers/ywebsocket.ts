/** `@y/websocket-server` 0.1.1 as its own server.js wires it (in memory: no YPERSISTENCE). */
import http from 'node:http';
import { WebSocketServer } from 'ws';
import { setupWSConnection } from '@y/websocket-server/utils';
import { answerOrchestrator } from './ipc.ts';

const wss = new WebSocketServer({ noServer: true });
const server = http.createServer((_req, res) => res.end('okay'));
wss.on('connection', setupWSConnection);
server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)));
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  answerOrchestrator(typeof address === 'object' && address ? address.port : 0);
});
