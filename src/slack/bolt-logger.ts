/** ferry's pino logger behind the @slack/logger interface Bolt wants (in the Slack layer, so the terminal paths never load @slack/logger). */
import { LogLevel, type Logger as SlackLogger } from '@slack/logger';
import type { Logger } from '../log.js';

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
