/**
 * A bare WebSocket client for the load generator: one TCP socket, the HTTP upgrade, binary frames
 * out, frames in handed over as views into the received chunk (no copy, no per-message events).
 * The `ws` package costs the generator about 5 µs of JavaScript per message received; with 100,000
 * deliveries a second the generator, not the server, became the limit of scenario (c).
 *
 * Enough of RFC 6455 for servers that never fragment their messages (uWS, and `ws` for messages
 * this small): binary and text frames, ping answered by pong, close. Frames sent are masked with a
 * zero key: valid framing (servers must unmask, they cannot check the key), and no copy.
 */
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';

export class RawWebSocket {
  private readonly socket: Socket;
  private pending: Buffer | null = null;
  private upgraded = false;
  closed = false;
  /** The server's close code and reason, when it closed the socket. */
  closedWith: string | null = null;
  /** Settles once the server accepted the upgrade; rejects with its status line otherwise. */
  readonly opened: Promise<void>;

  /** Connects at once; messages may arrive as soon as `opened` resolves. `headers` go with the upgrade (a session cookie). */
  constructor(
    url: string,
    private readonly onMessage: (data: Uint8Array) => void,
    headers: Record<string, string> = {},
  ) {
    const { hostname, port, pathname, search } = new URL(url);
    const socket = (this.socket = connect({ host: hostname, port: Number(port), noDelay: true }));
    this.opened = new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.write(
          `GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
            Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('') +
            '\r\n',
        );
      });
      socket.on('data', (chunk: Buffer) => {
        if (this.upgraded) {
          this.receive(chunk);
          return;
        }
        const buffered = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) {
          this.pending = buffered;
          return;
        }
        const statusLine = buffered.subarray(0, buffered.indexOf('\r\n')).toString('latin1');
        if (!/^HTTP\/1\.1 101 /.test(statusLine)) {
          socket.destroy();
          reject(new Error(`upgrade refused: ${statusLine}`));
          return;
        }
        this.upgraded = true;
        this.pending = null;
        socket.off('error', reject);
        socket.on('error', (error: NodeJS.ErrnoException) => {
          this.closedWith ??= error.code ?? error.message;
          socket.destroy();
        });
        resolve();
        if (buffered.length > end + 4) this.receive(buffered.subarray(end + 4));
      });
      socket.once('close', () => {
        this.closed = true;
        if (!this.upgraded) reject(new Error('connection closed before the upgrade'));
      });
    });
  }

  send(data: Uint8Array): void {
    if (this.closed) return;
    this.socket.write(frame(0x2, data));
  }

  /** Sends a close frame and ends the connection; `closed` turns true once the socket is gone. */
  close(): void {
    if (this.closed) return;
    const payload = Buffer.from([0x03, 0xe8]); // 1000, normal closure
    this.socket.end(frame(0x8, payload));
  }

  private receive(chunk: Buffer): void {
    let data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    let offset = 0;
    while (data.length - offset >= 2) {
      const opcode = data[offset]! & 0x0f;
      let length = data[offset + 1]! & 0x7f;
      let header = 2;
      if (length === 126) {
        if (data.length - offset < 4) break;
        length = data.readUInt16BE(offset + 2);
        header = 4;
      } else if (length === 127) {
        if (data.length - offset < 10) break;
        length = Number(data.readBigUInt64BE(offset + 2));
        header = 10;
      }
      if (data.length - offset < header + length) break;
      const payload = data.subarray(offset + header, offset + header + length);
      offset += header + length;
      if (opcode === 0x2 || opcode === 0x1) this.onMessage(payload);
      else if (opcode === 0x9) this.socket.write(frame(0xa, payload));
      else if (opcode === 0x8) {
        this.closedWith = payload.length >= 2 ? `${payload.readUInt16BE(0)} ${payload.subarray(2).toString()}`.trim() : 'close frame without a code';
        this.close();
      }
      else if (opcode === 0x0) throw new Error('fragmented message: not supported by the bench client');
    }
    if (offset < data.length) {
      // Keep the partial frame, copied so that a few bytes do not hold on to the whole chunk.
      data = data.subarray(offset);
      this.pending = Buffer.from(data);
    }
  }
}

/** A masked client frame (FIN set) with a zero masking key. */
function frame(opcode: number, payload: Uint8Array): Buffer {
  const n = payload.byteLength;
  const header = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(header + 4 + n);
  out[0] = 0x80 | opcode;
  if (n < 126) out[1] = 0x80 | n;
  else if (n < 65536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeBigUInt64BE(BigInt(n), 2);
  }
  out.writeUInt32BE(0, header);
  out.set(payload, header + 4);
  return out;
}
