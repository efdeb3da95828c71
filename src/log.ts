/**
 * pino, set up once at start: JSON lines, level from LOG_LEVEL, secrets redacted.
 * `boltLogger` adapts it to the @slack/logger interface Bolt wants.
 */
import { pino, type Logger, type DestinationStream } from 'pino';
import { LogLevel, type Logger as SlackLogger } from '@slack/logger';

export type { Logger };

/** Keys whose values never reach a log line, wherever they sit in a logged object. */
const secretKeys = ['token', 'botToken', 'appToken', 'signingSecret', 'privateKey', 'key', 'password', 'authorization', 'SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET'];
const redactPaths = secretKeys.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

/** The process logger. `destination` lets tests and `ferry run` send logs elsewhere (stderr). */
export function createLogger(level = process.env.LOG_LEVEL ?? 'info', destination?: DestinationStream): Logger {
  return pino({ level, redact: { paths: redactPaths, censor: '[redacted]' }, base: { app: 'ferry' } }, destination ?? pino.destination(1));
}

/** The @slack/logger interface on top of a pino logger. */
export function boltLogger(log: Logger): SlackLogger {
  const child = log.child({ component: 'bolt' });
  const join = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
  return {
    debug: (...m) => child.debug(join(m)),
    info: (...m) => child.info(join(m)),
    warn: (...m) => child.warn(join(m)),
    error: (...m) => child.error(join(m)),
    setLevel: (level) => {
      child.level = level;
    },
    getLevel: () => (child.level as LogLevel) ?? LogLevel.INFO,
    setName: () => {},
  };
}
