/**
 * ferry's App Home tab: the last storage verdict per volume, the jobs running
 * (and the last few that ended), and the approval requests waiting, read from
 * Redis and built as one Home view within Slack's limits (100 blocks; no table
 * block, which is for messages only).
 */
import type { Jobs } from '../jobs/jobs.js';
import { isLive, jobLine, listJobs, utc, type JobEntry } from '../jobs/job-list.js';
import { pendingApprovals } from '../jobs/approvals.js';
import type { ApprovalRequest } from '../jobs/approval-types.js';
import { storageVerdicts, type StorageVerdict } from '../storage-verdicts.js';
import type { Verdict } from '../report.js';
import { cut, escapeMrkdwn, SLACK_LIMITS, type SlackBlock } from './blocks.js';
import { renderMentions, user } from '../mention.js';

/** A Home tab view as views.publish takes it. */
export interface HomeView {
  type: 'home';
  blocks: SlackBlock[];
}

/** What the Home shows; `now` is when it was read. */
export interface HomeData {
  storage: StorageVerdict[];
  live: JobEntry[];
  liveTotal: number;
  ended: JobEntry[];
  pending: ApprovalRequest[];
  now: number;
}

/** Items per part: with the headers and "more" lines, well under the 100 blocks of a view. */
export const HOME_LIMITS = { volumes: 10, live: 20, ended: 5, pending: 20 } as const;

/** Reads everything the Home shows from Redis. */
export async function loadHome(jobs: Jobs, now = Date.now()): Promise<HomeData> {
  const [storage, live, ended, pending] = await Promise.all([
    storageVerdicts(jobs.redis),
    listJobs(jobs, HOME_LIMITS.live, 'live'),
    listJobs(jobs, HOME_LIMITS.ended, 'ended'),
    pendingApprovals(jobs.redis, now),
  ]);
  // A job may end between the two listings: it is shown once, as ended.
  const endedIds = new Set(ended.entries.map((e) => e.id));
  return { storage, live: live.entries.filter((e) => isLive(e) && !endedIds.has(e.id)), liveTotal: live.total, ended: ended.entries, pending, now };
}

const EMOJI: Record<Verdict, string> = { OK: ':white_check_mark:', WARN: ':warning:', FAIL: ':x:', UNKNOWN: ':grey_question:', INFO: ':information_source:' };

/** The Home view of `d`. */
export function homeView(d: HomeData): HomeView {
  const blocks: SlackBlock[] = [header('ferry'), context(`As of ${utc(d.now)} UTC; updated when a job starts or ends, a request is made or decided, or /gluster status runs.`)];

  blocks.push(header('Storage'));
  for (const v of d.storage.slice(0, HOME_LIMITS.volumes)) {
    blocks.push(section(`${EMOJI[v.verdict]} *${esc(v.volume)}* ${v.verdict}${v.reason ? ` — ${esc(v.reason)}` : ''}\n_/gluster status by ${user(v.by)} at ${utc(Date.parse(v.at))} UTC_`));
  }
  more(blocks, d.storage.length - HOME_LIMITS.volumes, 'volume');
  if (!d.storage.length) blocks.push(section('_No /gluster status run yet: its verdict shows here._'));

  blocks.push(header('Running jobs'));
  for (const e of d.live) blocks.push(section(`*${esc(e.id)}* ${esc(jobLine(e, d.now))}`));
  more(blocks, d.liveTotal - d.live.length, 'job');
  if (!d.live.length) blocks.push(section('_Nothing running._'));
  if (d.ended.length) {
    blocks.push(context(`Ended lately (all: /ferry jobs):\n${d.ended.map((e) => `*${esc(e.id)}* ${esc(jobLine(e, d.now))}`).join('\n')}`));
  }

  blocks.push(header('Waiting for approval'));
  for (const r of d.pending.slice(0, HOME_LIMITS.pending)) {
    blocks.push(section(`*${esc(r.id)}* ${esc(r.line)} — asked by ${user(r.requestedBy)} at ${utc(Date.parse(r.createdAt))} UTC, expires ${utc(Date.parse(r.expiresAt))} UTC`));
  }
  more(blocks, d.pending.length - HOME_LIMITS.pending, 'request');
  if (!d.pending.length) blocks.push(section('_No request is waiting._'));
  return { type: 'home', blocks };
}

/** The Home when Redis does not answer: that, and nothing else. */
export function unreachableView(redisWhere: string): HomeView {
  return { type: 'home', blocks: [header('ferry'), section(`:x: Redis at ${esc(redisWhere)} is unreachable: ferry cannot show its jobs, requests or storage verdicts now.`)] };
}

/** The Home of someone without a ferry role. */
export function noRoleView(): HomeView {
  return { type: 'home', blocks: [header('ferry'), section('You have no ferry role, so ferry shows you nothing here. Ask an admin to add you to ferry.yml (roles.viewer at least).')] };
}

function more(blocks: SlackBlock[], n: number, noun: string): void {
  if (n > 0) blocks.push(context(`_… ${n} more ${noun}${n === 1 ? '' : 's'} not shown_`));
}

// User mentions stay mentions; everything else is escaped and cut to fit a text object.
const esc = (s: string) => escapeMrkdwn(s);

function header(text: string): SlackBlock {
  return { type: 'header', text: { type: 'plain_text', text: cut(text, SLACK_LIMITS.headerText) } };
}

function section(text: string): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: renderMentions(cut(text, SLACK_LIMITS.textObject), 'slack') } };
}

function context(text: string): SlackBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: cut(text, SLACK_LIMITS.textObject) }] };
}
