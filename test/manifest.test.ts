/**
 * manifest.yml is what creates the Slack app: it must name every slash command
 * `/ferry help` lists (and no other), ask for exactly the scopes ferry uses,
 * and turn on interactivity (approval buttons) and Socket Mode.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { parseDocument } from 'yaml';
import { commands } from '../commands/index.js';

const text = readFileSync(new URL('../manifest.yml', import.meta.url), 'utf8');

interface Manifest {
  display_information: { name: string };
  features: { bot_user: { display_name: string }; slash_commands: { command: string; description: string; usage_hint?: string; url?: string }[] };
  oauth_config: { scopes: { bot: string[]; user?: string[] } };
  settings: { interactivity: { is_enabled: boolean }; socket_mode_enabled: boolean; event_subscriptions?: { bot_events?: string[] } };
}

const doc = parseDocument(text);
const manifest = doc.toJS() as Manifest;

/** The first word of every command `/ferry help` lists: the slash commands ferry answers. */
const families = [...new Set(commands.map((c) => c.name.split(' ')[0]!))];
const slashCommands = manifest.features.slash_commands.map((c) => c.command.replace(/^\//, ''));

/** The bot scope each Web API method ferry calls needs (docs.slack.dev/reference/methods). */
const SCOPE_OF: Record<string, string | null> = {
  'auth.test': null, // needs no scope: any token may ask who it is
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.delete': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'usergroups.users.list': 'usergroups:read',
  'usergroups.list': 'usergroups:read',
  'users.info': 'users:read',
  'conversations.info': 'channels:read',
  'views.publish': null, // the Home tab: no scope (docs.slack.dev/reference/methods/views.publish)
};

/** Every `client.x.y(...)` Web API call in ferry's source. */
function webApiMethodsCalled(): string[] {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const files = ['src', 'commands'].flatMap((dir) =>
    readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => path.join(root, dir, f)),
  );
  const found = new Set<string>();
  for (const file of files) {
    for (const m of readFileSync(file, 'utf8').matchAll(/\bclient\s*\.\s*([a-z]+(?:\s*\.\s*[a-zA-Z]+)+)\s*\(/g)) found.add(m[1]!.replace(/\s/g, ''));
  }
  return [...found].sort();
}

describe('manifest.yml', () => {
  test('parses as YAML', () => {
    expect(doc.errors).toEqual([]);
    expect(manifest.display_information.name).toBe('ferry');
  });

  test('has a slash command for every command family /ferry help lists', () => {
    expect(families.filter((f) => !slashCommands.includes(f))).toEqual([]);
  });

  test('has no slash command ferry does not answer', () => {
    expect(slashCommands.filter((c) => !families.includes(c))).toEqual([]);
  });

  test('names each slash command once, with a description', () => {
    expect(new Set(slashCommands).size).toBe(slashCommands.length);
    for (const c of manifest.features.slash_commands) expect(c.description, c.command).toBeTruthy();
  });

  test('asks for exactly the scopes ferry uses', () => {
    // commands: slash commands; chat:write: chat.postMessage and chat.update of ferry's own
    // messages; usergroups:read: usergroups.users.list, for roles given to user groups.
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(['chat:write', 'commands', 'usergroups:read']);
    expect(manifest.oauth_config.scopes.user ?? []).toEqual([]);
  });

  test('covers every Web API method ferry calls, and no more', () => {
    const called = webApiMethodsCalled();
    expect(called).toEqual(expect.arrayContaining(['chat.postMessage', 'chat.update', 'usergroups.users.list']));
    expect(called.filter((m) => !(m in SCOPE_OF)), 'methods with no known scope: add them to SCOPE_OF').toEqual([]);
    const needed = new Set(['commands', ...called.flatMap((m) => SCOPE_OF[m] ?? [])]);
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...needed].sort());
  });

  test('turns on the Home tab and subscribes to app_home_opened, the one event ferry handles', () => {
    expect((manifest.features as { app_home?: { home_tab_enabled?: boolean } }).app_home?.home_tab_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions?.bot_events).toEqual(['app_home_opened']);
  });

  test('turns on interactivity (approval buttons) and Socket Mode', () => {
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(true);
  });
});
