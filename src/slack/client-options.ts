/** The Web API client options every Slack client of ferry's shares: Slack's own URL unless SLACK_API_URL names another (the fake in tests). */
import type { Config } from '../config.js';

export function slackClientOptions(env: Config['env']): { slackApiUrl?: string } {
  return env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {};
}
