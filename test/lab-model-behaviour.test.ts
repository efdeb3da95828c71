import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLabModel, type LabModelHandle } from '../src/lab/model.js';
import { splitCommandLine } from '../src/lab/shell.js';
import { parseActionEvents } from '../src/cluster/nova-text.js';

/** How ferry builds a command line: every argument single-quoted, POSIX style. */
const q = (s: string) => `'` + s.replace(/'/g, `'\\''`) + `'`;

const nova = (lab: LabModelHandle, line: string) => lab.run('control', `. /root/openrc && nova ${line}`);
const gluster = (lab: LabModelHandle, line: string, node = 'compute01') => lab.run(node, `gluster ${line}`);
const showField = (out: string, field: string) => new RegExp(`^\\| ${field.replace(/[.:]/g, '\\$&')} +\\| (.*?) +\\|$`, 'm').exec(out)?.[1];

describe('live migration over time', () => {
  let lab: LabModelHandle;
  const t0 = Date.parse('2026-11-24T12:00:00Z');
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(t0);
    lab = createLabModel({ computes: 3, instances: 2, migrateSeconds: 10 });
  });
  afterEach(() => vi.useRealTimers());

  it('goes MIGRATING, copies memory, then is ACTIVE on the target with a completed record and an action', async () => {
    expect(await nova(lab, 'live-migration cirros1 compute02')).toMatchObject({ stdout: '', exitCode: 0 });
    vi.setSystemTime(t0 + 2500);
    const during = (await nova(lab, 'show cirros1')).stdout;
    expect([showField(during, 'status'), showField(during, 'OS-EXT-STS:task_state'), showField(during, 'OS-EXT-SRV-ATTR:host')]).toEqual(['MIGRATING', 'migrating', 'compute01']);
    const running = (await nova(lab, 'server-migration-list cirros1')).stdout;
    expect(running).toMatch(/\| running \|.*\| 536870912 +\| 134217728 +\| 402653184 +\|/);
    const show = (await nova(lab, 'server-migration-show cirros1 1')).stdout;
    expect(showField(show, 'memory_processed_bytes')).toBe('134217728');
    expect((await nova(lab, 'live-migration cirros1 compute03')).stderr).toContain(`while it is in task_state migrating (HTTP 409)`);

    vi.setSystemTime(t0 + 10_000);
    const after = (await nova(lab, 'show cirros1')).stdout;
    expect([showField(after, 'status'), showField(after, 'OS-EXT-SRV-ATTR:host'), showField(after, 'OS-EXT-SRV-ATTR:hypervisor_hostname')]).toEqual(['ACTIVE', 'compute02', 'compute02.stack']);
    expect((await nova(lab, 'migration-list')).stdout).toMatch(/\| completed \|/);
    expect((await nova(lab, 'server-migration-list cirros1')).stdout.split('\n')).toHaveLength(5); // header only: nothing in progress
    expect((await nova(lab, 'instance-action-list cirros1')).stdout).toMatch(/\| live-migration \| req-[0-9a-f-]+ \| - /);
    const hyp = (await nova(lab, '--os-compute-api-version 2.52 hypervisor-show compute02.stack')).stdout;
    expect([showField(hyp, 'running_vms'), showField(hyp, 'memory_mb_used'), showField(hyp, 'vcpus_used')]).toEqual(['1', '1024', '1']);
  });

  it('fails when the source disk cache is unsafe: back ACTIVE on the source, record error, libvirt message kept', async () => {
    lab.fault('compute01', 'cache-unsafe');
    const conf = (await lab.run('compute01', 'cat /etc/nova/nova.conf')).stdout;
    expect(conf).not.toContain('VIR_MIGRATE_UNSAFE');
    expect(conf).not.toContain('file=none');
    expect((await nova(lab, 'live-migration cirros1 compute02')).exitCode).toBe(0);
    vi.setSystemTime(t0 + 1000);
    const show = (await nova(lab, 'show cirros1')).stdout;
    expect([showField(show, 'status'), showField(show, 'OS-EXT-SRV-ATTR:host')]).toEqual(['ACTIVE', 'compute01']);
    expect((await nova(lab, 'migration-list')).stdout).toMatch(/\| error +\|/);
    const actions = (await nova(lab, 'instance-action-list cirros1')).stdout;
    const req = /\| live-migration \| (req-[0-9a-f-]+) \| Error /.exec(actions)?.[1];
    expect(req).toBeDefined();
    expect(parseActionEvents((await nova(lab, `instance-action cirros1 ${req}`)).stdout)[0]?.details).toBe('Unsafe migration: Migration may lead to data corruption if disks use cache != none');
    lab.fault('compute01', 'cache-safe');
    expect((await lab.run('compute01', 'cat /etc/nova/nova.conf')).stdout).toContain('VIR_MIGRATE_UNSAFE');
  });

  it('migration-fails MESSAGE fails the next migrations from that node until migration-ok', async () => {
    lab.fault('compute01', 'migration-fails', 'Live Migration failure: internal error: qemu unexpectedly closed the monitor');
    await nova(lab, 'live-migration cirros1 compute02');
    vi.setSystemTime(t0 + 5000);
    await nova(lab, 'live-migration cirros2 compute03');
    vi.setSystemTime(t0 + 10_000);
    expect((await nova(lab, 'migration-list')).stdout.match(/\| error +\|/g)).toHaveLength(2);
    lab.fault('compute01', 'migration-ok');
    await nova(lab, 'live-migration cirros1 compute02');
    vi.setSystemTime(t0 + 20_000);
    expect(showField((await nova(lab, 'show cirros1')).stdout, 'OS-EXT-SRV-ATTR:host')).toBe('compute02');
  });

  it('accepts a move the conductor then refuses (target disabled or down, source down), as nova 26 does; refuses an instance in ERROR', async () => {
    // Real nova (captures nova-live-migration-to-disabled-host, -from-down-host): exit 0, then a migration in error
    // with no destination, the instance ACTIVE where it was, and the reason in the action's conductor event.
    const refused = async (line: string, reason: string) => {
      expect(await nova(lab, line)).toMatchObject({ exitCode: 0, stdout: '' });
      const inst = lab.state.instances.find((i) => i.name === line.split(' ')[1])!;
      expect([inst.status, inst.taskState, lab.state.migrations.at(-1)?.status, lab.state.migrations.at(-1)?.dest]).toEqual(['ACTIVE', null, 'error', null]);
      const req = /\| live-migration \| (req-[0-9a-f-]+) \| Error /.exec((await nova(lab, `instance-action-list ${inst.name}`)).stdout.split('\n').reverse().join('\n'))![1];
      expect(parseActionEvents((await nova(lab, `instance-action ${inst.name} ${req}`)).stdout)).toEqual([{ event: 'conductor_live_migrate_instance', result: 'Error', details: reason }]);
    };
    lab.fault('compute02', 'service-disable', 'maintenance');
    await refused('live-migration cirros1 compute02', 'No valid host was found.');
    expect((await nova(lab, 'service-list --binary nova-compute')).stdout).toMatch(/compute02 \| nova \| disabled \| up +\| .* \| maintenance +\|/);
    lab.fault('compute03', 'nova-compute-down');
    await refused('live-migration cirros1 compute03', 'No valid host was found.');
    lab.fault('compute01', 'nova-compute-down');
    lab.fault('compute03', 'nova-compute-up');
    await refused('live-migration cirros1 compute03', 'Compute service of compute01 is unavailable at this time.');
    expect((await nova(lab, 'migration-list')).stdout).toMatch(/^\| 3  \| [0-9a-f-]{36} \| -           \| -         \| compute01      \| -            \| -         \| error  \|/m);
    lab.fault('control', 'instance-state', 'cirros2 ERROR');
    const id = lab.state.instances.find((i) => i.name === 'cirros2')!.id;
    expect((await nova(lab, 'live-migration cirros2 compute02')).stderr).toContain(`Cannot 'os-migrateLive' instance ${id} while it is in vm_state error (HTTP 409)`);
    expect(lab.state.migrations).toHaveLength(3);
  });

  it('service-disable and service-enable by id change what hypervisor-list shows', async () => {
    await nova(lab, 'service-disable --reason drain 00000000-0000-0000-0000-000000000004');
    expect((await nova(lab, 'hypervisor-list')).stdout).toMatch(/compute02\.stack +\| up +\| disabled \|/);
    await nova(lab, 'service-enable 00000000-0000-0000-0000-000000000004');
    expect((await nova(lab, 'hypervisor-list')).stdout).toMatch(/compute02\.stack +\| up +\| enabled +\|/);
  });

  it('live-migration-abort as nova 26: cancelled a moment later, ACTIVE on the source, a live_migration_cancel action; then 409', async () => {
    await nova(lab, 'live-migration cirros1 compute02');
    vi.setSystemTime(t0 + 2000);
    expect(await nova(lab, 'live-migration-abort cirros1 1')).toMatchObject({ exitCode: 0, stdout: '' });
    // Accepted (202) is not done: the source compute aborts the libvirt job and rolls back after that.
    expect([lab.state.migrations[0]?.status, lab.state.instances[0]?.taskState]).toEqual(['running', 'migrating']);
    vi.setSystemTime(t0 + 3000);
    expect((await nova(lab, 'migration-list')).stdout).toMatch(/\| cancelled \|/);
    const show = (await nova(lab, 'show cirros1')).stdout;
    expect([showField(show, 'status'), showField(show, 'OS-EXT-STS:task_state'), showField(show, 'OS-EXT-SRV-ATTR:host')]).toEqual(['ACTIVE', '-', 'compute01']);
    const actions = (await nova(lab, 'instance-action-list cirros1')).stdout;
    expect(actions).toMatch(/\| live-migration +\| req-[0-9a-f-]+ \| - /);
    const req = /\| live_migration_cancel \| (req-[0-9a-f-]+) \| - /.exec(actions)?.[1];
    expect(parseActionEvents((await nova(lab, `instance-action cirros1 ${req}`)).stdout)).toEqual([{ event: 'compute_live_migration_abort', result: 'Success', details: null }]);
    // compute/api.py checks the instance's task_state before the migration's status.
    expect((await nova(lab, 'live-migration-abort cirros1 1')).stderr).toContain(`Cannot 'abort live migration' instance ${lab.state.instances[0]!.id} while it is in task_state None (HTTP 409)`);
  });

  it('live-migration-abort of a queued migration needs 2.65; post-migrating cannot be aborted; an abort too late fails and the move completes', async () => {
    await nova(lab, 'live-migration cirros1 compute02');
    await nova(lab, 'live-migration cirros2 compute03');
    const id2 = lab.state.instances[1]!.id;
    expect((await nova(lab, '--os-compute-api-version 2.64 live-migration-abort cirros2 2')).stderr).toContain(`Migration 2 state of instance ${id2} is queued. Cannot abort live migration while the migration is in this state. (HTTP 400)`);
    expect((await nova(lab, 'live-migration-abort cirros2 2')).exitCode).toBe(0);
    expect([lab.state.migrations[1]?.status, lab.state.instances[1]?.status]).toEqual(['cancelled', 'ACTIVE']);
    // Copied, finishing on the destination: nova refuses at any microversion.
    lab.fault('compute01', 'post-migration-stall', '30');
    await nova(lab, 'live-migration cirros2 compute03');
    vi.setSystemTime(t0 + 10_000); // cirros1 done, cirros2 starts copying
    vi.setSystemTime(t0 + 20_500);
    expect((await nova(lab, 'server-migration-list cirros2')).stdout).toMatch(/\| post-migrating \|/);
    expect((await nova(lab, 'live-migration-abort cirros2 3')).stderr).toContain(`Migration 3 state of instance ${id2} is post-migrating. Cannot abort live migration while the migration is in this state. (HTTP 400)`);
    lab.fault('compute01', 'post-migration-stall', '0');
    // An abort accepted with 0.5 s of copy left reaches the compute too late: the move completes, the abort's event fails.
    vi.setSystemTime(t0 + 60_000);
    await nova(lab, 'live-migration cirros1 compute03');
    vi.setSystemTime(t0 + 69_500);
    expect((await nova(lab, 'live-migration-abort cirros1 4')).exitCode).toBe(0);
    vi.setSystemTime(t0 + 71_000);
    expect(showField((await nova(lab, 'show cirros1')).stdout, 'OS-EXT-SRV-ATTR:host')).toBe('compute03');
    expect(lab.state.migrations[3]?.status).toBe('completed');
    const cancel = lab.state.instances[0]!.actions.at(-1)!;
    expect([cancel.action, cancel.message, cancel.events[0]?.result]).toEqual(['live_migration_cancel', 'Error', 'Error']);
  });

  it('openstack server migration abort needs 2.24 and then aborts as nova does', async () => {
    await nova(lab, 'live-migration cirros1 compute02');
    expect((await lab.run('control', 'openstack server migration abort cirros1 1')).stderr).toBe('--os-compute-api-version 2.24 or greater is required to support the server migration abort command\n');
    expect(await lab.run('control', 'openstack --os-compute-api-version 2.65 server migration abort cirros1 1')).toMatchObject({ exitCode: 0, stdout: '' });
    vi.setSystemTime(t0 + 1000);
    expect((await lab.run('control', 'openstack --os-compute-api-version 2.80 server migration list --server cirros1 -f value -c Id -c Status')).stdout).toBe('1 cancelled\n');
  });

  it('queues a second migration from the same host (max_concurrent_live_migrations = 1)', async () => {
    await nova(lab, 'live-migration cirros1 compute02');
    await lab.run('control', 'openstack --os-compute-api-version 2.30 server migrate --live-migration --host compute03 cirros2');
    const listed = (await lab.run('control', 'openstack --os-compute-api-version 2.80 server migration list -f value -c Id -c Status')).stdout;
    expect(listed).toBe('1 running\n2 queued\n');
    vi.setSystemTime(t0 + 10_000);
    expect((await lab.run('control', 'openstack server migration list -f value -c Status')).stdout).toBe('completed\nrunning\n');
    vi.setSystemTime(t0 + 20_000);
    expect((await lab.run('control', 'openstack server list -f value -c Name -c Status')).stdout).toBe('cirros1 ACTIVE\ncirros2 ACTIVE\n');
    expect(lab.state.instances.map((i) => i.host)).toEqual(['compute02', 'compute03']);
  });

  it('migrateSeconds 0 migrates at once', async () => {
    lab = createLabModel({ computes: 2, instances: 1, migrateSeconds: 0 });
    await nova(lab, 'live-migration cirros1 compute02');
    expect(showField((await nova(lab, 'show cirros1')).stdout, 'OS-EXT-SRV-ATTR:host')).toBe('compute02');
  });
});

describe('gluster faults', () => {
  it('brick-down: writes pend heal on the other bricks; brick-up heals them after healSeconds', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const lab = createLabModel({ computes: 3, instances: 0, migrateSeconds: 1, healSeconds: 3 });
    lab.fault('compute02', 'brick-down');
    await lab.run('compute03', 'touch /var/lib/nova/instances/a /var/lib/nova/instances/b');
    expect((await gluster(lab, 'volume status vm-instances')).stdout).toMatch(/^Brick compute02\.stack:\/gluster\/instances {4}N\/A {7}N\/A {8}N {7}N\/A {2}$/m);
    expect((await gluster(lab, 'volume heal vm-instances info summary')).stdout).toMatch(/compute01.*\nStatus: Connected\nTotal Number of entries: 3\n/);
    lab.fault('compute02', 'brick-up');
    expect((await gluster(lab, 'volume heal vm-instances info')).stdout).toContain('Number of entries: 3');
    vi.advanceTimersByTime(3000);
    expect((await gluster(lab, 'volume heal vm-instances info')).stdout).not.toMatch(/Number of entries: [1-9]/);
    vi.useRealTimers();
  });

  it('glusterd-down: the node is Disconnected for its peers, its CLI cannot connect, its brick is unreachable', async () => {
    const lab = createLabModel({ computes: 3, instances: 0, migrateSeconds: 1 });
    lab.fault('compute02', 'glusterd-down');
    expect((await gluster(lab, 'peer status')).stdout).toContain('Hostname: compute02.stack\nUuid: ');
    expect((await gluster(lab, 'peer status')).stdout).toContain('State: Peer in Cluster (Disconnected)');
    expect((await gluster(lab, '--xml pool list')).stdout).toContain('<connected>0</connected>');
    expect(await gluster(lab, 'volume status', 'compute02')).toEqual({ stdout: 'Connection failed. Please check if gluster daemon is operational.\n', stderr: '', exitCode: 1 });
    expect((await gluster(lab, '--version', 'compute02')).exitCode).toBe(0);
    expect(await lab.run('compute02', 'systemctl is-active glusterd')).toEqual({ stdout: 'inactive\n', stderr: '', exitCode: 3 });
    // The real CLI lists only what connected glusterds report: compute02's rows are absent.
    expect((await gluster(lab, 'volume status vm-instances')).stdout).not.toContain('compute02');
    expect((await gluster(lab, 'volume heal vm-instances info')).stdout).toContain('Brick compute02.stack:/gluster/instances\nStatus: Transport endpoint is not connected\n');
    lab.fault('compute02', 'glusterd-up');
    expect((await gluster(lab, 'volume status vm-instances')).stdout).toMatch(/^Brick compute02.* Y {7}\d{5}$/m);
  });

  it('two bricks of three down: no quorum, the mount turns read-only', async () => {
    const lab = createLabModel({ computes: 3, instances: 0, migrateSeconds: 1 });
    lab.fault('compute02', 'brick-down');
    lab.fault('compute03', 'brick-down');
    expect(await lab.run('compute01', 'touch /var/lib/nova/instances/x')).toMatchObject({ exitCode: 1, stderr: "touch: cannot touch '/var/lib/nova/instances/x': Read-only file system\n" });
  });

  it('gluster-version, unmount/mount and volume stop show where a runbook looks', async () => {
    const lab = createLabModel({ computes: 2, instances: 0, migrateSeconds: 1 });
    lab.fault('compute02', 'gluster-version', '3.2.7');
    expect((await lab.run('compute02', 'glusterfs --version')).stdout).toMatch(/^glusterfs 3\.2\.7\n/);
    expect((await lab.run('compute02', 'gluster --version')).stdout).toMatch(/^glusterfs 3\.2\.7\n/);
    expect((await lab.run('compute02', 'dpkg-query -W glusterfs-server')).stdout).toBe('glusterfs-server\t3.2.7-5\n');
    lab.fault('compute02', 'unmount');
    expect(await lab.run('compute02', 'findmnt -n -o FSTYPE,SOURCE,TARGET /var/lib/nova/instances')).toEqual({ stdout: '', stderr: '', exitCode: 1 });
    expect((await lab.run('compute02', "stat -c '%U:%G %a' /var/lib/nova/instances")).stdout).toBe('root:root 755\n');
    lab.fault('compute02', 'mount');
    expect((await lab.run('compute02', "stat -c '%U:%G %a' /var/lib/nova/instances")).stdout).toBe('nova:nova 755\n');
    await gluster(lab, '--mode=script volume stop vm-instances');
    expect((await lab.run('compute02', 'touch /var/lib/nova/instances/x')).stderr).toContain('Transport endpoint is not connected');
    expect((await gluster(lab, 'volume stop vm-instances')).stdout).toContain('Do you want to continue? (y/n)');
  });

  it('throws on an unknown fault and ignores transport faults', () => {
    const lab = createLabModel({ computes: 1, instances: 0, migrateSeconds: 1 });
    expect(() => lab.fault('compute01', 'disk-on-fire')).toThrow(/unknown lab fault "disk-on-fire"/);
    expect(() => lab.fault('control', 'brick-down')).toThrow(/not a compute node/);
    for (const f of ['down', 'up', 'hang', 'slow']) expect(() => lab.fault('compute01', f, '500')).not.toThrow();
  });
});

describe('bootstrap on a bare cluster', () => {
  it('runs the runbook: probe, create, start, mkdir, mount, chown, and a probe file seen everywhere', async () => {
    const lab = createLabModel({ computes: 3, instances: 0, migrateSeconds: 1, bare: true });
    expect(await lab.run('control', 'gluster peer status')).toMatchObject({ exitCode: 127, stderr: 'bash: line 1: gluster: command not found\n' });
    expect(await lab.run('control', 'dpkg-query -W glusterfs-server')).toMatchObject({ exitCode: 1, stderr: 'dpkg-query: no packages found matching glusterfs-server\n' });
    expect((await lab.run('compute01', 'systemctl is-active glusterd')).stdout).toBe('active\n');
    expect((await gluster(lab, 'peer status')).stdout).toBe('Number of Peers: 0\n');
    expect((await lab.run('compute01', 'test -d /gluster/instances')).exitCode).toBe(1);
    expect((await lab.run('compute01', "stat -c '%U:%G %a' /var/lib/nova/instances")).stdout).toBe('root:root 755\n');
    for (const n of ['compute02', 'compute03']) expect((await gluster(lab, `peer probe ${n}.stack`)).stdout).toBe('peer probe: success\n');
    for (const n of lab.nodes.filter((x) => x !== 'control')) expect((await lab.run(n, 'mkdir -p /gluster/instances')).exitCode).toBe(0);
    const bricks = ['compute01', 'compute02', 'compute03'].map((n) => `${n}.stack:/gluster/instances`).join(' ');
    expect((await gluster(lab, `--mode=script volume create vm-instances replica 3 ${bricks} force`)).exitCode).toBe(0);
    expect((await lab.run('compute01', 'mount -t glusterfs localhost:vm-instances /var/lib/nova/instances')).stderr).toMatch(/^Mount failed\./);
    expect((await gluster(lab, 'volume start vm-instances')).exitCode).toBe(0);
    for (const n of ['compute01', 'compute02', 'compute03']) {
      expect(await lab.run(n, 'mount -t glusterfs localhost:vm-instances /var/lib/nova/instances && chown nova:nova /var/lib/nova/instances')).toEqual({ stdout: '', stderr: '', exitCode: 0 });
    }
    expect((await lab.run('compute01', 'mount -t glusterfs localhost:vm-instances /var/lib/nova/instances')).exitCode).toBe(32);
    await lab.run('compute01', 'touch /var/lib/nova/instances/.ferry-probe');
    expect((await lab.run('compute03', 'test -f /var/lib/nova/instances/.ferry-probe')).exitCode).toBe(0);
    expect((await lab.run('compute02', 'cat /var/lib/nova/instances/.ferry-probe')).exitCode).toBe(0);
    await lab.run('compute02', 'rm -f /var/lib/nova/instances/.ferry-probe');
    expect(await lab.run('compute03', 'cat /var/lib/nova/instances/.ferry-probe')).toMatchObject({ exitCode: 1, stderr: 'cat: /var/lib/nova/instances/.ferry-probe: No such file or directory\n' });
    expect((await gluster(lab, 'volume status vm-instances')).stdout.match(/ Y {7}\d+/g)).toHaveLength(6);
  });
});

describe('fuse-dead: the glusterfs client of a mount killed', () => {
  it('findmnt still lists the mount, stat and ls fail ENOTCONN (coreutils 9.1 words), mounting again is refused, umount -l and mount bring it back', async () => {
    const lab = createLabModel({ computes: 3, instances: 1, migrateSeconds: 1 });
    lab.fault('compute02', 'fuse-dead');
    expect(await lab.run('compute02', 'findmnt -n -o FSTYPE,SOURCE,TARGET /var/lib/nova/instances')).toEqual({ stdout: 'fuse.glusterfs localhost:vm-instances /var/lib/nova/instances\n', stderr: '', exitCode: 0 });
    expect(await lab.run('compute02', "stat -c '%U:%G %a' /var/lib/nova/instances")).toEqual({ stdout: '', stderr: "stat: cannot statx '/var/lib/nova/instances': Transport endpoint is not connected\n", exitCode: 1 });
    // The same words ls printed for a mount that reached no brick (real/gluster-10.3/volume-stopped/ls-mount).
    expect(await lab.run('compute02', 'ls -l /var/lib/nova/instances')).toEqual({ stdout: '', stderr: "ls: cannot access '/var/lib/nova/instances': Transport endpoint is not connected\n", exitCode: 2 });
    expect((await lab.run('compute02', 'touch /var/lib/nova/instances/x')).exitCode).not.toBe(0);
    expect((await lab.run('compute01', "stat -c '%U:%G %a' /var/lib/nova/instances")).stdout).toBe('nova:nova 755\n');
    expect((await lab.run('compute02', 'mount -t glusterfs localhost:/vm-instances /var/lib/nova/instances')).exitCode).toBe(32);
    expect((await lab.run('compute02', 'umount -l /var/lib/nova/instances && mount -t glusterfs localhost:/vm-instances /var/lib/nova/instances')).exitCode).toBe(0);
    expect((await lab.run('compute02', "stat -c '%U:%G %a' /var/lib/nova/instances")).stdout).toBe('nova:nova 755\n');
  });
});

describe('the shell', () => {
  const hostile = ["'; rm -rf /'", '$(id)', '`id`', 'a\nb', `it's "quoted"`, 'ünïcødé ☃', '', 'back\\slash', '--flag', '*', '&& true', '# not a comment'];

  it('keeps single-quoted arguments byte for byte', () => {
    for (const s of hostile) {
      const split = splitCommandLine(`nova show ${q(s)}`);
      expect(split).toEqual({ ok: true, steps: [{ join: null, command: { env: {}, argv: ['nova', 'show', s] } }] });
    }
  });

  it('passes hostile names through to the CLI as one argument', async () => {
    const lab = createLabModel({ computes: 1, instances: 1, migrateSeconds: 1 });
    for (const s of hostile.filter((x) => x !== '' && !x.startsWith('-'))) {
      expect((await lab.run('control', `nova show ${q(s)}`)).stderr).toContain(`No server with a name or ID of '${s}' exists.`);
    }
  });

  it('splits on &&, || and ; and newlines, with VAR=value prefixes and a sourced openrc', () => {
    const split = splitCommandLine(". /root/openrc && OS_CLOUD=x nova list || echo 'failed'; true\nhostname");
    expect(split.ok && split.steps.map((s) => [s.join, s.command.argv.join(' '), s.command.env])).toEqual([
      [null, '. /root/openrc', {}],
      ['&&', 'nova list', { OS_CLOUD: 'x' }],
      ['||', 'echo failed', {}],
      [';', 'true', {}],
      [';', 'hostname', {}],
    ]);
  });

  it('refuses pipes, redirections and background jobs; answers 127 for unknown commands', async () => {
    const lab = createLabModel({ computes: 1, instances: 0, migrateSeconds: 1 });
    for (const line of ['nova list | head', 'echo x > /tmp/y', 'sleep 1 &', 'cat < /etc/passwd']) {
      expect((await lab.run('control', line)).exitCode).toBe(2);
    }
    expect(await lab.run('compute01', 'nova list')).toEqual({ stdout: '', stderr: 'bash: line 1: nova: command not found\n', exitCode: 127 });
    expect(lab.calls()).toEqual([{ at: expect.any(Number), node: 'compute01', argv: ['nova', 'list'] }]);
  });

  it('stops at a missing openrc, and logs only what ran', async () => {
    const lab = createLabModel({ computes: 1, instances: 1, migrateSeconds: 1 });
    expect(await lab.run('control', '. /root/nope && nova live-migration cirros1 compute01')).toEqual({ stdout: '', stderr: 'bash: /root/nope: No such file or directory\n', exitCode: 1 });
    expect(lab.calls().map((c) => c.argv.join(' '))).toEqual(['. /root/nope']);
    expect(lab.calls().some((c) => c.argv[0] === 'nova')).toBe(false);
  });
});

describe('scale', () => {
  // How long this takes is measured by `npm run bench` (startup: a 200-node lab), not asserted here.
  it('builds 200 computes with 50 instances at once, and answers for 200 bricks', async () => {
    const lab = createLabModel({ computes: 200, instances: 50, migrateSeconds: 1 });
    expect(lab.nodes).toHaveLength(201);
    expect(lab.nodes.at(-1)).toBe('compute200');
    const status = await gluster(lab, '--xml volume status vm-instances detail');
    const heal = await gluster(lab, 'volume heal vm-instances info');
    const list = await nova(lab, 'list --all-tenants');
    expect(status.stdout.match(/<node>/g)).toHaveLength(200);
    expect(heal.stdout.match(/^Status: Connected$/gm)).toHaveLength(200);
    expect(list.stdout.split('\n')).toHaveLength(50 + 5);
  });
});
