/**
 * The one place that keeps App Home tabs current: it remembers who opened the
 * Home (a Redis sorted set, by when), and publishes the view again for them when
 * something it shows changes: a job queued, started or ended (BullMQ's queue
 * events), an approval request made or decided, a storage verdict recorded
 * (ferry's changes channel). Bursts are coalesced: at most one refresh a second.
 */
import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { QUEUE, type Jobs, type QueueName } from '../jobs/jobs.js';
import { isEvacuationChild } from '../jobs/job-list.js';
import { CHANGES_CHANNEL } from '../jobs/changes.js';
import { redactUrl, waitingConnection } from '../redis.js';
import { homeView, loadHome, noRoleView, unreachableView } from './app-home.js';

export interface HomeRefresh {
  /** A user opened the Home tab: remember them and publish it for them now. */
  opened(userId: string): Promise<void>;
  close(): Promise<void>;
}

const VIEWERS = 'ferry:home:viewers';
/** Who opened the Home within this long is kept current (at most MAX_VIEWERS, the latest). */
const VIEWER_DAYS = 7;
const MAX_VIEWERS = 50;
const QUEUE_EVENTS = ['waiting', 'active', 'completed', 'failed'] as const;

/** `mayView`: whether a user holds a ferry role (the Home shows what /ferry jobs and /gluster status would, so it needs viewer). */
export function startHomeRefresh(o: { jobs: Jobs; client: WebClient; log: Logger; redisUrl: string; mayView: (userId: string) => Promise<boolean>; intervalMs?: number }): HomeRefresh {
  const { jobs, client, log } = o;
  const interval = o.intervalMs ?? 1000;
  const publish = async (userId: string, view: ReturnType<typeof homeView>) => {
    await client.views.publish({ user_id: userId, view }).catch((err: Error) => log.warn({ err, userId }, 'App Home not published'));
  };

  let timer: NodeJS.Timeout | undefined;
  let last = 0;
  let closed = false;
  const refreshAll = async () => {
    timer = undefined;
    last = Date.now();
    if (jobs.redis.status !== 'ready') return;
    const since = Date.now() - VIEWER_DAYS * 86400_000;
    await jobs.redis.zremrangebyscore(VIEWERS, '-inf', since);
    const viewers = await jobs.redis.zrevrangebyscore(VIEWERS, '+inf', since, 'LIMIT', 0, MAX_VIEWERS);
    if (!viewers.length) return;
    const view = homeView(await loadHome(jobs));
    for (const user of viewers) if (await o.mayView(user)) await publish(user, view);
  };
  const changed = () => {
    if (timer || closed) return;
    // Coalesces a burst (an evacuation's moves) into one refresh, at most one per interval.
    timer = setTimeout(() => void refreshAll().catch((err: Error) => log.warn({ err }, 'App Home refresh failed')), Math.max(200, last + interval - Date.now()));
  };

  const listeners: [QueueName, string, (a: { jobId: string }) => void][] = [];
  for (const queue of [QUEUE.migrate, QUEUE.evacuate, QUEUE.bootstrap]) {
    for (const event of QUEUE_EVENTS) {
      const listener = ({ jobId }: { jobId: string }) => {
        if (!isEvacuationChild(queue, jobId)) changed();
      };
      jobs.events(queue).on(event, listener);
      listeners.push([queue, event, listener]);
    }
  }
  const sub: Redis = waitingConnection(jobs.redis);
  sub.on('message', changed);
  void sub.subscribe(CHANGES_CHANNEL).catch((err: Error) => log.warn({ err }, 'App Home: not subscribed to changes'));

  return {
    async opened(userId) {
      if (!(await o.mayView(userId))) return publish(userId, noRoleView());
      if (jobs.redis.status !== 'ready') return publish(userId, unreachableView(redactUrl(o.redisUrl)));
      await jobs.redis.zadd(VIEWERS, Date.now(), userId);
      await publish(userId, homeView(await loadHome(jobs)));
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const [queue, event, listener] of listeners) jobs.events(queue).off(event as 'waiting', listener);
      sub.disconnect();
    },
  };
}
