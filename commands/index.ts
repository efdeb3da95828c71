/** The catalog: every slash command ferry knows, in the order `/ferry help` lists them. */
import type { CommandDefinition } from '../src/command.js';
import type { Executor } from '../src/jobs/approval-types.js';
import { approvedRun } from '../src/approved-run.js';
import glusterStatus from './gluster-status.js';
import glusterPeers from './gluster-peers.js';
import glusterVolumeInfo from './gluster-volume-info.js';
import glusterProbe from './gluster-probe.js';
import glusterVolumeCreate from './gluster-volume-create.js';
import glusterVolumeStart from './gluster-volume-start.js';
import glusterVolumeStop from './gluster-volume-stop.js';
import glusterBootstrap from './gluster-bootstrap.js';
import novaShow from './nova-show.js';
import novaList from './nova-list.js';
import novaServices from './nova-services.js';
import novaHypervisors from './nova-hypervisors.js';
import migrate from './migrate.js';
import migrateAbort from './migrate-abort.js';
import evacuate from './evacuate.js';
import evacuateStatus from './evacuate-status.js';
import evacuateCancel from './evacuate-cancel.js';
import novaServiceEnable from './nova-service-enable.js';
import ferryAudit from './ferry-audit.js';
import ferryHelp from './ferry-help.js';
import ferryJobs from './ferry-jobs.js';
import migrateStatus from './migrate-status.js';

export const commands: readonly CommandDefinition[] = [glusterStatus, glusterPeers, glusterVolumeInfo, glusterProbe, glusterVolumeCreate, glusterVolumeStart, glusterVolumeStop, glusterBootstrap, novaShow, novaList, novaServices, novaHypervisors, novaServiceEnable, migrate, migrateStatus, migrateAbort, evacuate, evacuateStatus, evacuateCancel, ferryJobs, ferryAudit, ferryHelp];

/**
 * What Approve runs, by request kind: the `execute` of each command that asks
 * for approval, and for a run-only command (when ferry.yml gates it) its line,
 * run as the requester. The surfaces hand it to handleApproval (jobs cannot import commands).
 */
export const executors: Readonly<Record<string, Executor>> = Object.fromEntries(commands.map((c) => [c.name, c.approval === true ? c.execute : approvedRun(c, commands)] as const));
