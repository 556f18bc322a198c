/**
 * `@hocuspocus/server` 3.4.4 with no extension (in memory). Bound through its http server: its own
 * listen() ignores the address and binds every interface.
 */
import { Server } from '@hocuspocus/server';
import { answerOrchestrator } from './ipc.ts';

const server = new Server({ quiet: true });
server.httpServer.listen(0, '127.0.0.1', () => {
  const address = server.httpServer.address();
  answerOrchestrator(typeof address === 'object' && address ? address.port : 0);
});
