import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLabModel, type LabModelHandle } from '../src/lab/model.js';
import { expectCapture } from './support/lab-captures.js';


const STAT_LINE = "stat -c '%U:%G %a' /var/lib/nova/instances";
const READS = [
  'heal-info-split-brain', 'heal-info-summary', 'heal-info-summary.xml', 'heal-info', 'heal-info.xml', 'peer-status', 'peer-status.xml',
  'pool-list', 'pool-list.xml', 'version', 'volume-info', 'volume-info.xml', 'volume-list', 'volume-list.xml', 'volume-status-all',
  'volume-status-detail', 'volume-status-detail.xml', 'volume-status', 'volume-status.xml',
];

describe('gluster captures: healthy', () => {
  const lab = createLabModel({ computes: 3, instances: 3, migrateSeconds: 1 });
  it.each(READS)('%s', (name) => expectCapture(lab, `gluster/healthy/${name}`));
});

describe('gluster captures: brick-down (compute02 brick killed, 12 files written meanwhile)', () => {
  const lab = createLabModel({ computes: 3, instances: 3, migrateSeconds: 1 });
  beforeAll(async () => {
    lab.fault('compute02', 'brick-down');
    for (let i = 1; i <= 12; i++) expect((await lab.run('compute01', `touch /var/lib/nova/instances/disk-${i}`)).exitCode).toBe(0);
  });
  it.each(READS)('%s', (name) => expectCapture(lab, `gluster/brick-down/${name}`));
});

describe('gluster captures: volume-stopped', () => {
  const lab = createLabModel({ computes: 3, instances: 3, migrateSeconds: 1 });
  const names = ['volume-stop', ...READS.filter((n) => !n.startsWith('volume-status')), 'volume-status-all', 'volume-status-detail', 'volume-status-detail.xml', 'volume-status', 'volume-status.xml', 'volume-start'];
  it.each(names)('%s', (name) => expectCapture(lab, `gluster/volume-stopped/${name}`));
});

describe('gluster captures: setup and mount on a bare cluster', () => {
  const lab = createLabModel({ computes: 3, instances: 0, migrateSeconds: 1, bare: true });
  it.each([
    'peer-probe-compute02', 'peer-probe-compute03', 'peer-probe-already', 'peer-probe-unreachable', 'peer-probe-unresolvable',
    'volume-create-root-partition', 'volume-create', 'volume-create-exists', 'volume-status-not-started', 'volume-start',
    'volume-start-already', 'volume-status-nosuchvol', 'volume-status-nosuchvol.xml',
  ])('setup/%s', (name) => expectCapture(lab, `gluster/setup/${name}`));

  const nodes = ['compute01', 'compute02', 'compute03'];
  it.each(nodes)('mount/findmnt-before-mount-%s', (n) => expectCapture(lab, `gluster/mount/findmnt-before-mount-${n}`));
  it.each(nodes)('mount/mount-%s', (n) => expectCapture(lab, `gluster/mount/mount-${n}`));
  // compute01 chowns first; the others already see nova:nova through the shared volume root, as captured.
  it('mount/stat-before-chown-compute01', () => expectCapture(lab, 'gluster/mount/stat-before-chown-compute01', STAT_LINE));
  it('mount/chown-compute01', () => expectCapture(lab, 'gluster/mount/chown-compute01'));
  it.each(['compute02', 'compute03'])('mount/stat-before-chown-%s', (n) => expectCapture(lab, `gluster/mount/stat-before-chown-${n}`, STAT_LINE));
  it.each(['compute02', 'compute03'])('mount/chown-%s', (n) => expectCapture(lab, `gluster/mount/chown-${n}`));
  it.each(nodes)('mount/stat-after-chown-%s', (n) => expectCapture(lab, `gluster/mount/stat-after-chown-${n}`, STAT_LINE));
  it.each(nodes)('mount/findmnt-%s', (n) => expectCapture(lab, `gluster/mount/findmnt-${n}`));
  it.each(nodes)('mount/findmnt-full-%s', (n) => expectCapture(lab, `gluster/mount/findmnt-full-${n}`));
  it.each(nodes)('mount/glusterfs-version-%s', (n) => expectCapture(lab, `gluster/mount/glusterfs-version-${n}`));
  it('mount/seen-on-compute02', async () => {
    expect((await lab.run('compute01', 'touch /var/lib/nova/instances/probe-file')).exitCode).toBe(0);
    // The captured probe wrote "hello" with a redirection, which the lab's shell does not run.
    lab.state.volumes.get('vm-instances')!.files.get('/probe-file')!.content = 'hello\n';
    await expectCapture(lab, 'gluster/mount/seen-on-compute02');
  });
});

describe('nova and openstack captures', () => {
  const t0 = Date.parse('2026-11-24T23:19:50Z');
  let lab: LabModelHandle;
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(t0 - 60_000);
    // The captured cloud: cirros1..3 on compute01 (cirros3 SHUTOFF), cirros4 on compute02, two `dup`.
    lab = createLabModel({ computes: 3, instances: 3, migrateSeconds: 4 });
    lab.fault('control', 'instance-state', 'cirros3 SHUTOFF');
    lab.fault('control', 'instance-add', 'cirros4 compute02');
    lab.fault('control', 'instance-add', 'dup compute02');
    lab.fault('control', 'instance-add', 'dup compute03');
  });
  afterAll(() => vi.useRealTimers());
  const cirros1 = () => lab.state.instances.find((i) => i.name === 'cirros1')!.id;

  it.each(['nova-show', 'nova-list', 'nova-list-host', 'nova-show-missing', 'nova-show-ambiguous'])('%s', (n) => expectCapture(lab, `nova/${n}`));
  it('nova-show-by-id', () => expectCapture(lab, 'nova/nova-show-by-id', `nova show ${cirros1()}`));
  it.each([
    'nova-service-list', 'nova-service-list-compute01', 'nova-service-disable', 'nova-service-list-disabled', 'nova-service-enable',
    // Not nova-hypervisor-show(-2.87): the stand-in took a name at 2.53+, real nova refuses it (hypervisor-lookup.test.ts).
    'nova-service-disable-old-syntax', 'nova-hypervisor-list',
    'nova-live-migration-missing', 'nova-live-migration-nosuchhost', 'nova-live-migration-shutoff',
  ])('%s', (n) => expectCapture(lab, `nova/${n}`));
  // nova/nova-live-migration-samehost (the stand-in API's 400) is not what real nova does: it accepts and
  // records the migration in error (real/nova-26/nova-live-migration-same-host), which the lab follows.
  it('nova-live-migration, then halfway', async () => {
    vi.setSystemTime(t0);
    await expectCapture(lab, 'nova/nova-live-migration');
    vi.setSystemTime(t0 + 2000);
    await expectCapture(lab, 'nova/nova-show-migrating');
    await expectCapture(lab, 'nova/nova-migration-list-running');
    await expectCapture(lab, 'nova/nova-server-migration-list');
  });
  it('after the migration', async () => {
    vi.setSystemTime(t0 + 4000);
    await expectCapture(lab, 'nova/nova-show-after-migration');
    await expectCapture(lab, 'nova/nova-migration-list');
    await expectCapture(lab, 'nova/nova-instance-action-list');
  });
  it.each([
    'openstack-server-show', 'openstack-server-show-missing', 'openstack-hypervisor-list', 'openstack-compute-service-list',
    'openstack-server-list-host',
  ])('%s', (n) => expectCapture(lab, `nova/${n}`));
  // The stand-in's openstack-server-migrate-live and openstack-server-migration-list ran at a microversion real
  // openstackclient 6.0 does not default to: at 2.1 --host is refused and migrations have no Id
  // (real/nova-26/openstack-server-migrate-live-host-no-microversion, openstack-server-migration-list-json).
  it('openstack-server-migrate-live at 2.30, openstack-server-migration-list at 2.80', async () => {
    await expectCapture(lab, 'nova/openstack-server-migrate-live', 'openstack --os-compute-api-version 2.30 server migrate --live-migration --host compute03 cirros2');
    await expectCapture(lab, 'nova/openstack-server-migration-list', 'openstack --os-compute-api-version 2.80 server migration list -f json');
  });
});
