/**
 * What an evacuation looks like to people: the plan (dry run or waiting for
 * approval), the progress message updated in place, and the closing summary.
 * Pure functions of the plan and of the state derived from Redis.
 */
import type { EvacuationPlan, SnapshotDiff } from '../cluster/evacuation-plan.js';
import type { ServerSummary } from '../cluster/nova-types.js';
import { report, type Report, type Table, type Verdict } from '../report.js';
import type { EvacuationState, MoveState, MoveStatus } from './evacuation-state.js';
import { user } from '../mention.js';

export interface PlanView {
  dryRun?: boolean;
  /** The approval request that shows this plan. */
  approval?: { id: string; expiresAt: string; requestedBy: string };
  /** Why the plan is asked for again. */
  diff?: SnapshotDiff;
}

/** The plan as a report: reasons sum it up, the main table has one row per instance. */
export function planReport(plan: EvacuationPlan, view: PlanView = {}): Report {
  const failing = plan.moves.filter((m) => m.verdict === 'FAIL');
  const warning = plan.moves.filter((m) => m.verdict === 'WARN');
  const spread = plan.targets.filter((t) => t.assigned > 0).map((t) => `${t.host} (${t.assigned})`).join(', ');
  const reasons = [
    ...(view.diff ? [`${plan.host} changed since the approved plan: ${diffText(view.diff)}`] : []),
    `${plan.moves.length} to live-migrate${spread ? ` to ${spread}` : ''}; ${plan.left.length} left on ${plan.host} (ERROR or SHUTOFF)`,
    ...(failing.length ? [`${failing.length} would be skipped, preflight FAIL: ${names(failing.map((m) => m.instanceName))}`] : []),
    ...(warning.length ? [`${warning.length} with warnings: ${names(warning.map((m) => m.instanceName))}`] : []),
    concurrencyText(plan),
    `nova-compute on ${plan.host} is disabled first (reason "${plan.reason}") and stays disabled`,
  ];
  const verdict: Verdict = plan.moves.length > 0 && failing.length === plan.moves.length ? 'FAIL' : failing.length || warning.length ? 'WARN' : 'OK';
  const tables: Table[] = [
    {
      title: 'Plan',
      columns: ['Instance', 'Status', 'RAM MB', 'vCPU', 'Target', 'Preflight', 'Problems'],
      rows: plan.moves.map((m) => [m.instanceName, m.status, num(m.ramMb), num(m.vcpus), m.target ?? '-', m.verdict, m.problems.join('; ')]),
    },
    {
      title: 'Targets',
      columns: ['Host', 'Free RAM MB', 'Free vCPU', 'Instances planned', 'Note'],
      rows: plan.targets.map((t) => [t.host, num(t.freeRamMb), num(t.freeVcpus), String(t.assigned), t.unusable ?? '']),
    },
  ];
  if (plan.left.length) tables.push({ title: `Left on ${plan.host}`, columns: ['Instance', 'Status'], rows: plan.left.map((l) => [l.instanceName, l.status]) });
  const a = view.approval;
  const notes = view.dryRun
    ? ['Dry run: nothing was started. Without --dry-run the plan waits for approval.']
    : a
      ? [
          `Request ${a.id} by ${user(a.requestedBy)}: an approver other than the requester must approve; it expires at ${a.expiresAt}.`,
          `Approval is for exactly this plan: if the instances on ${plan.host} change before it starts, it is asked for again.`,
          `/evacuate status ${a.id} · /evacuate cancel ${a.id}`,
        ]
      : [];
  const title = view.dryRun ? `Evacuation plan (dry run): ${plan.host}` : `Evacuate ${plan.host}? Waiting for approval`;
  return report({ title, verdict, reasons, tables, notes: [`Snapshot taken at ${plan.takenAt}.`, ...notes] });
}

/** Added, gone and changed instances, in one line. */
export function diffText(d: SnapshotDiff): string {
  return [
    ...d.added.map((i) => `new ${i.name} (${i.status})`),
    ...d.removed.map((i) => `gone ${i.name}`),
    ...d.changed.map((i) => `${i.name} ${i.from} → ${i.to}`),
  ].join(', ');
}

function concurrencyText(plan: EvacuationPlan): string {
  const c = plan.concurrency;
  const conf = c.novaConfError ? ` (nova.conf unreadable: ${c.novaConfError}; assuming 1)` : '';
  return `${c.effective} migration${c.effective === 1 ? '' : 's'} at once: asked ${c.asked}, max_concurrent_live_migrations ${c.novaMax} in nova.conf on ${plan.host}${conf}, at most ${c.perHost} per host (policy.migration.perHostConcurrency)`;
}

/** Who is doing what with an evacuation, for the progress message and the summary. */
export interface EvacuationView {
  evacId: string;
  plan: EvacuationPlan;
  requestedBy: string;
  approvedBy: string;
}

const LABEL: Record<MoveState, string> = {
  pending: 'pending',
  running: 'running',
  moved: 'done',
  warning: 'done (check)',
  failed: 'FAILED',
  skipped: 'skipped',
  cancelled: 'cancelled',
};

// Most urgent first, so that a long table cut by Slack still shows them.
const ORDER: MoveState[] = ['failed', 'running', 'skipped', 'pending', 'cancelled', 'warning', 'moved'];

/** Counts by state; `done` counts moves with and without warnings. */
export function counts(state: EvacuationState): Record<MoveState, number> & { done: number } {
  const c = { pending: 0, running: 0, moved: 0, warning: 0, failed: 0, skipped: 0, cancelled: 0 };
  for (const m of state.moves) c[m.state]++;
  return { ...c, done: c.moved + c.warning };
}

function countLine(state: EvacuationState): string {
  const c = counts(state);
  const extra = [c.skipped ? `skipped ${c.skipped}` : '', c.cancelled ? `cancelled ${c.cancelled}` : ''].filter(Boolean);
  return [`done ${c.done}`, `running ${c.running}`, `pending ${c.pending}`, `failed ${c.failed}`, ...extra].join(' · ');
}

function movesTable(state: EvacuationState): Table {
  const rows = [...state.moves]
    .sort((a, b) => ORDER.indexOf(a.state) - ORDER.indexOf(b.state))
    .map((m: MoveStatus) => [m.move.instanceName, `${state.plan.host} → ${m.move.target ?? '-'}`, LABEL[m.state], m.detail]);
  return { title: 'Instances', columns: ['Instance', 'Move', 'State', 'Detail'], rows };
}

/** The progress message while the evacuation runs. */
export function progressReport(state: EvacuationState, v: EvacuationView): Report {
  const c = counts(state);
  const cancel = state.cancel;
  return report({
    title: `${cancel ? 'Cancelling evacuation of' : 'Evacuating'} ${v.plan.host}: ${c.done}/${state.moves.length} moved`,
    verdict: 'INFO',
    reasons: [
      countLine(state),
      ...(cancel ? [`cancel asked by ${user(cancel.by)}: pending migrations dropped, running ones finish`] : []),
      `asked by ${user(v.requestedBy)}, approved by ${user(v.approvedBy)}; ${v.plan.concurrency.effective} at once; nova-compute on ${v.plan.host} disabled`,
    ],
    tables: [movesTable(state)],
    notes: [`/evacuate status ${v.evacId} · /evacuate cancel ${v.evacId}`],
  });
}

/** The closing summary; `still` is what nova lists on the host at the end (null: unknown). */
export function summaryReport(state: EvacuationState, v: EvacuationView, still: ServerSummary[] | null): Report {
  const c = counts(state);
  const host = v.plan.host;
  const planned = new Set(v.plan.moves.map((m) => m.instanceId));
  const leftIds = new Set(v.plan.left.map((l) => l.instanceId));
  const strays = (still ?? []).filter((i) => !leftIds.has(i.id));
  const verdict: Verdict = c.failed ? 'FAIL' : c.skipped || c.cancelled || c.warning || strays.length ? 'WARN' : 'OK';
  const title = state.cancel ? `Evacuation of ${host} cancelled` : c.failed || c.skipped ? `Evacuation of ${host} finished with problems` : `Evacuated ${host}`;
  const advice = state.moves.filter((m) => m.advice && (m.state === 'failed' || m.state === 'skipped')).map((m) => `${m.move.instanceName}: ${m.advice}`);
  return report({
    title,
    verdict,
    reasons: [
      `${c.done} of ${state.moves.length} moved · failed ${c.failed} · skipped ${c.skipped} · cancelled ${c.cancelled}`,
      ...(state.cancel ? [`cancelled by ${user(state.cancel.by)} at ${state.cancel.at}`] : []),
      ...(v.plan.left.length ? [`left on ${host} as planned: ${v.plan.left.map((l) => `${l.instanceName} (${l.status})`).join(', ')}`] : []),
      ...(strays.length ? [`still on ${host}: ${strays.map((i) => `${i.name} (${i.status}${planned.has(i.id) ? '' : ', not in the plan'})`).join(', ')}`] : []),
      ...(still === null ? [`could not list what is left on ${host}: check with /nova list --host ${host}`] : []),
      `nova-compute on ${host} stays disabled ("${v.plan.reason}")`,
    ],
    tables: [movesTable(state)],
    notes: [...advice, `When the maintenance is done, re-enable the host: /nova service-enable ${host}`],
  });
}

const num = (n: number | null) => (n === null ? '?' : String(n));

function names(list: string[]): string {
  return list.length <= 8 ? list.join(', ') : `${list.slice(0, 8).join(', ')} and ${list.length - 8} more`;
}
