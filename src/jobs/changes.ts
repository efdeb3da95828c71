/**
 * A Redis pub/sub channel on which ferry says that something the App Home
 * shows has changed (an approval request created or decided, a storage
 * verdict recorded). Jobs starting and ending need no message here: BullMQ's
 * own queue events say so.
 */
import type { Redis } from 'ioredis';

export const CHANGES_CHANNEL = 'ferry:changes';

/** Says that `what` changed; never fails the caller (the App Home is refreshed at the next change, or when opened). */
export async function announceChange(redis: Redis, what: string): Promise<void> {
  await redis.publish(CHANGES_CHANNEL, what).catch(() => 0);
}
