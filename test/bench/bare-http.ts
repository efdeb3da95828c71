/**
 * The ack-latency baseline: a bare node:http server on 127.0.0.1 that reads the
 * request and answers 200 with an empty body. Prints `bare listening on PORT`;
 * stops on SIGTERM or when stdin closes.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-length': '0' }).end());
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`bare listening on ${(server.address() as AddressInfo).port}\n`);
});
const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.stdin.on('close', stop);
process.stdin.resume();
