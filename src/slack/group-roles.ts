/**
 * Roles by Slack user-group: ferry.yml may grant a role to a group id. Group
 * members are looked up with usergroups.users.list and cached for a short time,
 * so a burst of commands costs one lookup per group.
 */
import type { WebClient } from '@slack/web-api';
import { Roles, type Config, type Role } from '../config.js';
import type { Logger } from '../log.js';
import { roleOf } from '../policy.js';

const CACHE_MS = 60_000;

export class GroupRoles {
  private readonly cache = new Map<string, { at: number; users: Promise<string[]> }>();

  constructor(
    private readonly client: WebClient,
    private readonly config: Config,
    private readonly log: Logger,
  ) {}

  async roleOf(userId: string): Promise<Role | null> {
    const groupIds = [...new Set(Roles.flatMap((r) => this.config.roles[r].groups))];
    // Groups are looked up side by side: a user's first command after the cache expires waits for one round trip, not one per group.
    const members = await Promise.all(groupIds.map((g) => this.members(g)));
    const memberOf = groupIds.filter((_, i) => members[i]!.includes(userId));
    return roleOf(this.config, userId, memberOf);
  }

  private members(group: string): Promise<string[]> {
    const hit = this.cache.get(group);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.users;
    const users = this.client.usergroups.users
      .list({ usergroup: group })
      .then((r) => r.users ?? [])
      .catch((err: Error) => {
        // A failed lookup grants nothing from that group, and is not cached.
        this.log.warn({ err, group }, 'user-group lookup failed');
        this.cache.delete(group);
        return [] as string[];
      });
    this.cache.set(group, { at: Date.now(), users });
    return users;
  }
}
