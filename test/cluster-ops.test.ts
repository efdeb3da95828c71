/**
 * GlusterOps and NovaOps over real SSH against the lab: the flows that combine
 * commands, and the errors a real cluster gives, typed and naming the node.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { AmbiguousError, NotFoundError, UsageError } from '../src/errors.js';
import { startLabFerry, type LabFerry } from './support/lab-ferry.js';

let f: LabFerry;
beforeAll(async () => {
  f = await startLabFerry({ computes: 3, instances: 3 });
});
afterAll(() => f?.stop());
afterEach(() => f.undoFaults());

const callsSince = (n: number) => f.lab.calls().slice(n).map((c) => `${c.node}: ${c.argv.join(' ')}`);

describe('GlusterOps', () => {
  test('asks for XML first, and reads the plain text from a gluster too old for --xml', async () => {
    await f.fault('compute01', 'gluster-version', ['gluster-version', '10.3'], '3.2');
    await f.fault('compute02', 'brick-down', ['brick-up']);
    const n = f.lab.calls().length;
    const status = await f.rt.cluster.gluster.volumeStatus('compute01', 'vm-instances');
    expect(status.bricks.map((b) => [b.host, b.online])).toEqual([
      ['compute01.stack', true],
      ['compute02.stack', false],
      ['compute03.stack', true],
    ]);
    expect(callsSince(n)).toEqual(['compute01: gluster --xml volume status vm-instances', 'compute01: gluster volume status vm-instances']);
  });

  test('a stopped volume, a missing one and a dead glusterd are typed errors naming the node', async () => {
    const g = f.rt.cluster.gluster;
    await expect(g.volumeStatus('compute01', 'nosuchvol')).rejects.toBeInstanceOf(NotFoundError);
    await f.fault('compute02', 'glusterd-down', ['glusterd-up']);
    await expect(g.peers('compute02')).rejects.toMatchObject({ kind: 'glusterd-down', host: 'compute02' });
    await f.lab.model.run('compute01', 'gluster --mode=script volume stop vm-instances');
    try {
      await expect(g.volumeStatus('compute01', 'vm-instances')).rejects.toMatchObject({ kind: 'volume-not-started', host: 'compute01' });
      await expect(g.healSummary('compute01', 'vm-instances')).rejects.toMatchObject({ kind: 'volume-not-started' });
    } finally {
      await f.lab.model.run('compute01', 'gluster volume start vm-instances');
    }
  });

  test('mount: mounted from localhost and owned nova:nova; after umount, the plain directory', async () => {
    const g = f.rt.cluster.gluster;
    expect(await g.mount('compute02')).toEqual({ target: '/var/lib/nova/instances', mounted: true, fstype: 'fuse.glusterfs', source: 'localhost:vm-instances', exists: true, owner: 'nova', group: 'nova', mode: '755' });
    await f.fault('compute02', 'unmount', ['mount']);
    expect(await g.mount('compute02')).toMatchObject({ mounted: false, fstype: null, source: null, exists: true });
  });

  test('a volume name that is not one is refused before anything runs', async () => {
    const n = f.lab.calls().length;
    await expect(f.rt.cluster.gluster.volumeInfo('compute01', 'vm instances; reboot')).rejects.toThrow(/^volume: /);
    expect(callsSince(n)).toEqual([]);
  });
});

describe('NovaOps', () => {
  test('a name shared by two instances is an AmbiguousError listing both ids', async () => {
    await f.lab.fault('control', 'instance-add', 'dup compute01');
    await f.lab.fault('control', 'instance-add', 'dup compute02');
    const err = await f.rt.cluster.nova.show('dup').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AmbiguousError);
    const ids = (err as AmbiguousError).ids;
    expect(ids).toHaveLength(2);
    for (const id of ids) expect((await f.rt.cluster.nova.show(id)).name).toBe('dup');
  });

  test('service-disable takes the service id from service-list (compute API >= 2.53), and enable gives it back', async () => {
    const nova = f.rt.cluster.nova;
    const [svc] = await nova.services({ host: 'compute03', binary: 'nova-compute' });
    const n = f.lab.calls().length;
    expect(await nova.serviceDisable('compute03', 'maintenance')).toMatchObject({ id: svc!.id, status: 'disabled', disabledReason: 'maintenance' });
    expect(callsSince(n)).toContain(`control: nova service-disable --reason maintenance ${svc!.id}`);
    expect((await nova.services({ host: 'compute03' })).find((s) => s.binary === 'nova-compute')?.status).toBe('disabled');
    expect(await nova.serviceEnable('compute03')).toMatchObject({ status: 'enabled', disabledReason: null });
  });

  test("nova's refusals come back typed", async () => {
    const nova = f.rt.cluster.nova;
    await f.lab.fault('control', 'instance-state', 'cirros3 SHUTOFF');
    await expect(nova.liveMigrate('cirros3', 'compute02')).rejects.toMatchObject({ kind: 'Conflict' });
    await expect(nova.show('nosuchvm')).rejects.toBeInstanceOf(NotFoundError);
  });

  test('bad arguments are refused, naming the argument, before anything runs', async () => {
    const nova = f.rt.cluster.nova;
    const n = f.lab.calls().length;
    await expect(nova.show("x'\r; reboot")).rejects.toThrow(/^instance: /);
    await expect(nova.show('-h')).rejects.toBeInstanceOf(UsageError);
    await expect(nova.liveMigrate('cirros1', 'compute 02')).rejects.toThrow(/^target host: /);
    await expect(nova.serviceDisable('compute01', '--all')).rejects.toThrow(/^reason: /);
    await expect(nova.hypervisor('compute02.stack', { microversion: '2.87; id' })).rejects.toThrow(/^microversion: /);
    expect(callsSince(n)).toEqual([]);
  });
});
