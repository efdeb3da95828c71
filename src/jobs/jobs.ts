/** The durable side of ferry (BullMQ queues, locks, approvals), as commands see it. */
import type { Redis } from 'ioredis';

export interface Jobs {
  redis: Redis;
}
