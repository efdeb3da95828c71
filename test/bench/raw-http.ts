/**
 * The ack-latency client's transport: HTTP/1.1 requests serialized once to raw
 * bytes, sent one at a time on a keep-alive `net` socket, and a parser just big
 * enough to see where each answer ends (status line, then a content-length or
 * chunked body; an answer with neither ends when the server closes).
 */
import net from 'node:net';

/** An HTTP/1.1 request as the bytes to write. */
export function rawRequest(method: string, url: URL, headers: Record<string, string>, body: string): Buffer {
  const head = [`${method} ${url.pathname}${url.search} HTTP/1.1`, `host: ${url.host}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  if (method !== 'GET') head.push(`content-length: ${Buffer.byteLength(body)}`);
  return Buffer.from(`${head.join('\r\n')}\r\n\r\n${body}`);
}

/** The status and time of one exchange: request written → whole answer read (status 0: the connection failed or closed first). */
export interface Exchange {
  status: number;
  ms: number;
}

const CRLF2 = Buffer.from('\r\n\r\n');

/** One keep-alive connection; send() waits for the previous answer's end (callers send one at a time). */
export class RawConnection {
  private buf: Buffer = Buffer.alloc(0);
  private pending?: { started: number; resolve: (e: Exchange) => void };

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
      this.parse(false);
    });
    socket.on('close', () => this.parse(true));
    socket.on('error', () => {});
  }

  /** Connects to url's host and port. */
  static open(url: URL): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: url.hostname, port: Number(url.port) }, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  send(bytes: Buffer): Promise<Exchange> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve({ status: 0, ms: NaN });
      this.pending = { started: performance.now(), resolve };
      this.socket.write(bytes);
    });
  }

  /** Resolves the pending exchange once the buffer holds its whole answer (or the socket closed). */
  private parse(closed: boolean): void {
    const p = this.pending;
    if (!p) return;
    const end = answerEnd(this.buf, closed);
    if (end === undefined) {
      if (closed) this.finish({ status: 0, ms: NaN }, 0);
      return;
    }
    this.finish({ status: end.status, ms: performance.now() - p.started }, end.length);
  }

  private finish(exchange: Exchange, consumed: number): void {
    const p = this.pending!;
    this.pending = undefined;
    this.buf = this.buf.subarray(consumed);
    p.resolve(exchange);
  }
}

/** The status and byte length of the complete answer at buf's start, or undefined while it is incomplete. */
function answerEnd(buf: Buffer, closed: boolean): { status: number; length: number } | undefined {
  const headEnd = buf.indexOf(CRLF2);
  if (headEnd < 0) return undefined;
  const head = buf.toString('latin1', 0, headEnd);
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
  const bodyStart = headEnd + 4;
  const length = /\r\ncontent-length: *(\d+)/i.exec(head);
  if (length) {
    const end = bodyStart + Number(length[1]);
    return buf.length >= end ? { status, length: end } : undefined;
  }
  if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
    let at = bodyStart;
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', at);
      if (lineEnd < 0) return undefined;
      const size = parseInt(buf.toString('latin1', at, lineEnd), 16);
      if (size === 0) {
        // No trailers from either server: the last chunk is followed by one empty line.
        return buf.length >= lineEnd + 4 ? { status, length: lineEnd + 4 } : undefined;
      }
      at = lineEnd + 2 + size + 2;
      if (buf.length < at) return undefined;
    }
  }
  return closed ? { status, length: buf.length } : undefined;
}
