/**
 * pino, set up once at start: JSON lines, level from LOG_LEVEL, secrets redacted.
 * (src/slack/bolt-logger.ts adapts it to the interface Bolt wants.)
 */
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/** Keys whose values never reach a log line, wherever they sit in a logged object. */
const secretKeys = ['token', 'botToken', 'appToken', 'signingSecret', 'privateKey', 'key', 'password', 'authorization', 'SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET'];
const redactPaths = secretKeys.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

/** The process logger. `destination` lets tests and `ferry run` send logs elsewhere (stderr). */
export function createLogger(level = process.env.LOG_LEVEL ?? 'info', destination?: DestinationStream): Logger {
  return pino({ level, redact: { paths: redactPaths, censor: '[redacted]' }, base: { app: 'ferry' } }, destination ?? pino.destination(1));
}
