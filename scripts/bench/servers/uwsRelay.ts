/** The machine's ceiling: uWS pub/sub relaying bytes per topic, no Yjs, no storage, no auth. */
import uWS from 'uWebSockets.js';
import { answerOrchestrator } from './ipc.ts';

const app = uWS.App();
app.ws<{ topic: string }>('/*', {
  compression: uWS.DISABLED,
  maxPayloadLength: 4 * 1024 * 1024,
  // As Relais's: uWS's 64 kB default drops messages to a client that falls briefly behind.
  maxBackpressure: 64 * 1024 * 1024,
  upgrade(res, req, context) {
    res.upgrade({ topic: req.getUrl() }, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context);
  },
  open(ws) {
    ws.subscribe(ws.getUserData().topic);
  },
  message(ws, message) {
    ws.publish(ws.getUserData().topic, message, true);
  },
});
app.listen('127.0.0.1', 0, (token) => {
  if (!token) throw new Error('relay cannot listen');
  answerOrchestrator(uWS.us_socket_local_port(token));
});
