/**
 * The bot token, verified once with auth.test and kept in memory. Bolt's
 * `token` option asks auth.test before every request when verification at
 * start is off, so one slow or failing Slack API call held every ack back
 * (past Slack's 3 s) or dropped the command. ferry hands Bolt an `authorize`
 * that answers from here at once; a failed check is retried in the background,
 * and /readyz tells whether the token has been verified.
 */
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../log.js';
import { slackErrorCode } from './poster.js';

/** What Bolt's `authorize` returns for ferry's one workspace. */
export interface BotAuthorization {
  botToken: string;
  botId?: string;
  botUserId?: string;
  teamId?: string;
}

export interface TokenCheck {
  /** Answers at once: the token, plus the bot's ids once auth.test has answered. */
  authorization(): BotAuthorization;
  /** undefined once verified; otherwise why not yet (for /readyz). */
  problem(): string | undefined;
  /** Starts checking (in the background; never throws). */
  start(): void;
  stop(): void;
}

export interface TokenCheckOptions {
  /** First wait before a retry; doubles after each failure up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
  /** Told of each failed auth.test (metrics). */
  onError?: (error: string) => void;
}

/**
 * Checks `token` with auth.test through `client` (give it no retries of its own:
 * this retries, without holding anything else back).
 */
export function tokenCheck(client: WebClient, token: string, log: Logger, opts: TokenCheckOptions = {}): TokenCheck {
  const { retryMs = 1000, maxRetryMs = 60_000, onError = () => {} } = opts;
  let auth: BotAuthorization = { botToken: token };
  let problem: string | undefined = 'the Slack token has not been verified yet (auth.test)';
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const attempt = async (wait: number): Promise<void> => {
    try {
      const r = await client.auth.test({ token });
      auth = { botToken: token, botId: r.bot_id, botUserId: r.user_id, teamId: r.team_id };
      problem = undefined;
      log.info({ team: r.team, botUserId: r.user_id }, 'Slack token verified');
    } catch (err) {
      const code = slackErrorCode(err);
      onError(code);
      problem = `the Slack token could not be verified: auth.test failed (${code}); retrying`;
      log.warn({ err: (err as Error).message, retryInMs: wait }, 'Slack auth.test failed; slash commands are still acked and run');
      if (stopped) return;
      timer = setTimeout(() => void attempt(Math.min(wait * 2, maxRetryMs)), wait);
      timer.unref();
    }
  };

  return {
    authorization: () => auth,
    problem: () => problem,
    start: () => void attempt(retryMs),
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
