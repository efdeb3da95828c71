/**
 * The durable side of ferry: BullMQ queues in Redis for migrations and
 * evacuations, shared by every ferry process (serve, worker, run, demo).
 */
import type { ConnectionOptions, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { isConnectionLoss, waitingConnection } from '../redis.js';
import type { Logger } from '../log.js';

export const PREFIX = 'ferry';
export const QUEUE = { migrate: 'migrate', evacuate: 'evacuate', bootstrap: 'bootstrap' } as const;
export type QueueName = (typeof QUEUE)[keyof typeof QUEUE];

export interface Jobs {
  redis: Redis;
  queue(name: QueueName): Queue;
  /** Events of a queue (progress, completed, failed), opened on first use. */
  events(name: QueueName): QueueEvents;
  close(): Promise<void>;
}

/**
 * Worker settings: a worker that dies (kill -9) loses its job lock after
 * LOCK_MS; another worker (or the same one restarted) takes the job back
 * within STALLED_CHECK_MS. Jobs resume instead of failing however often that
 * happens, because every step checks the cluster before it acts. The lock is
 * renewed every LOCK_MS / 2; a process whose event loop stalls longer than
 * LOCK_MS would see its job handed to another, so it is kept well above any
 * pause ferry itself causes (a 200-node /gluster status takes ~0.2 s of CPU).
 */
export const LOCK_MS = 15_000;
export const STALLED_CHECK_MS = 5000;
export const MAX_STALLED = 1000;

/** Queues and event readers on `redis`; their errors go to `log`, except Redis being away (said once, where the connection is opened). */
export async function createJobs(redis: Redis, log?: Logger): Promise<Jobs> {
  // bullmq is loaded with the first Redis connection: commands that need no jobs start without it.
  return jobsWith(await import('bullmq'), redis, log);
}

/** createJobs, for a module that has bullmq loaded already (the workers). */
export function jobsWith(bullmq: { Queue: typeof Queue; QueueEvents: typeof QueueEvents }, redis: Redis, log?: Logger): Jobs {
  const { Queue, QueueEvents } = bullmq;
  const onError = (err: Error) => {
    if (!isConnectionLoss(err)) log?.error({ err }, 'queue error');
  };
  const queues = new Map<QueueName, Queue>();
  const events = new Map<QueueName, { reader: QueueEvents; conn: Redis }>();
  const connection = redis as unknown as ConnectionOptions;
  return {
    redis,
    queue(name) {
      let q = queues.get(name);
      if (!q) {
        q = new Queue(name, { connection, prefix: PREFIX });
        q.on('error', onError);
        queues.set(name, q);
      }
      return q;
    },
    events(name) {
      let e = events.get(name);
      if (!e) {
        // QueueEvents blocks on XREAD, so it needs a connection of its own (BullMQ reads on a duplicate of it: both are closed with it).
        const conn = waitingConnection(redis);
        e = { reader: new QueueEvents(name, { connection: conn as unknown as ConnectionOptions, prefix: PREFIX }), conn };
        e.reader.on('error', onError);
        events.set(name, e);
      }
      return e.reader;
    },
    async close() {
      await Promise.all([...events.values()].map(async ({ reader, conn }) => {
        const client = await reader.client;
        await reader.close();
        client.disconnect();
        conn.disconnect();
      }));
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}
