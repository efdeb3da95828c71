/**
 * The thread that acks Slack's requests is not the thread that runs the commands:
 * while a command holds ferry's command thread (here it is stuck reading known_hosts,
 * which is a named pipe that gives nothing until the test writes into it), another
 * slash command is still acked, and both are answered once the first is let go.
 * Every other thread of the process is in Linux's SCHED_IDLE class, so the acking
 * thread gets a CPU first, and the commands are still answered.
 * ferry runs as a `ferry serve` child process against the lab, a real redis-server
 * and the Slack fake, with the thread policy it has by default (the harness sets
 * `nice` for other tests); requests are signed as Slack signs them.
 */
import { execFileSync } from 'node:child_process';
import { constants, readdirSync, readFileSync } from 'node:fs';
import { link, open, readFile, rename, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { CHANNEL, startHarness, type Harness } from './support/harness.js';

/** A deadline on a condition, not a measurement: ferry compiles under tsx in the child on a busy machine. */
const DEADLINE_MS = 60_000;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ child: true, env: { FERRY_THREAD_POLICY: 'idle' } });
});
afterAll(async () => {
  await h?.stop();
});

/** Resolves with `p`, or rejects once DEADLINE_MS has passed (saying what did not happen). */
function within<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not happen`)), DEADLINE_MS)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Opens the pipe's writing end once a reader is waiting on it (before that, opening it non-blocking fails with ENXIO). */
async function readerWaiting(fifo: string): Promise<FileHandle> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    try {
      return await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENXIO' || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

test('a slash command is acked while another one holds the command thread, and both are answered after', async () => {
  const knownHosts = h.config.ssh.knownHosts;
  const pinned = await readFile(knownHosts, 'utf8');
  const fifo = `${knownHosts}.fifo`;
  execFileSync('mkfifo', [fifo]);
  await unlink(knownHosts);
  await link(fifo, knownHosts);
  let writer: FileHandle | undefined;
  const release = async () => {
    // known_hosts is a plain file again for later connects, then the stuck read gets the same lines.
    await writeFile(`${knownHosts}.tmp`, pinned);
    await rename(`${knownHosts}.tmp`, knownHosts);
    if (writer) {
      await writer.write(pinned);
      await writer.close();
      writer = undefined;
    }
  };
  try {
    const first = await h.slash('/gluster status', { user: 'U_OPS' });
    expect(first.status).toBe(200);
    // ferry's SSH connect reads known_hosts (at every connect) and now waits on the pipe.
    writer = await readerWaiting(fifo);

    const second = await within(h.slash('/ferry help', { user: 'U_OPS' }), 'the ack of a second slash command while the first held the command thread');
    expect(second.status).toBe(200);
    expect(h.slack.messages(CHANNEL)).toHaveLength(0); // the first is still held: nothing answered yet

    await release();
    await h.waitForMessage((m) => m.text.startsWith('Storage: volume vm-instances'));
    await h.waitForEphemeral((text) => text.includes('/gluster status'));
  } finally {
    await release();
    await unlink(fifo).catch(() => {});
  }
});

/** Each thread of `pid` and its scheduling policy (field 41 of /proc/PID/task/TID/stat; 0 normal, 5 SCHED_IDLE). */
function threadPolicies(pid: number): Map<number, number> {
  const policies = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses, start at field 3.
    policies.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[41 - 3]));
  }
  return policies;
}

test('every thread of ferry serve but the acking one is in SCHED_IDLE, and a command is still answered', async () => {
  const pid = h.childPid()!;
  const policies = threadPolicies(pid);
  const shown = () => JSON.stringify(Object.fromEntries(policies));
  expect(policies.get(pid), `the acking (main) thread's policy: ${shown()}`).toBe(0);
  const others = [...policies].filter(([tid]) => tid !== pid);
  // The command thread and V8's helper threads at least.
  expect(others.length).toBeGreaterThanOrEqual(2);
  expect(others.every(([, policy]) => policy === 5), `policies by thread: ${shown()}`).toBe(true);

  await h.slash('/gluster peers', { user: 'U_OPS' });
  await h.waitForEphemeral((text) => text.includes('/gluster peers'));
});
