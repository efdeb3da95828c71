/**
 * One rule for "this mount is the instances volume", used by /gluster status,
 * /migrate preflight and the bootstrap. Spellings from mount.glusterfs.in
 * (SERVERS:[/]VOLUME[/subdir], comma server lists, backup-volfile-servers) and
 * the real captures (real/gluster-10.3/mount: localhost:/vm-instances).
 */
import { describe, expect, test } from 'vitest';
import { judgeMountSource, poolHostNames } from '../src/cluster/mount-source.js';

const nodes = [1, 2, 3].map((i) => ({ name: `compute0${i}`, fqdn: `compute0${i}.stack`, host: `10.0.0.1${i}` }));
// compute01 probed the others by name and is listed by them under its address too (as glusterd does).
const peers = [{ hostname: 'compute02.stack', otherNames: [] }, { hostname: '192.168.122.11', otherNames: ['compute01-storage'] }];
const poolHosts = poolHostNames(nodes, peers);
const judge = (source: string | null, options?: string) => judgeMountSource(source, { volume: 'vm-instances', poolHosts, options });

describe('a mount source that names the volume from a pool member is the volume', () => {
  test.each([
    'localhost:vm-instances',
    'localhost:/vm-instances', // real/gluster-10.3/mount/findmnt-compute01
    '127.0.0.1:/vm-instances',
    'compute02:vm-instances',
    'compute02.stack:/vm-instances',
    'COMPUTE02.STACK.:/vm-instances',
    '10.0.0.13:/vm-instances',
    '192.168.122.11:vm-instances',
    'compute01-storage:/vm-instances',
    'compute01.stack,compute02.stack,compute03.stack:/vm-instances',
    'localhost:/vm-instances.tcp',
  ])('%s', (source) => expect(judge(source)).toEqual({ ok: true, servers: expect.any(Array) }));

  test('fstab: backup-volfile-servers of pool members', () => {
    expect(judge('compute01.stack:/vm-instances', 'defaults,_netdev,backup-volfile-servers=compute02.stack:compute03.stack')).toEqual({
      ok: true, servers: ['compute01.stack', 'compute02.stack', 'compute03.stack'],
    });
  });
});

describe('a mount source that names anything else is not', () => {
  test.each([
    ['localhost:/vm-instances-old', 'mounted from localhost:/vm-instances-old, not volume vm-instances'],
    ['compute01.stack:/other', 'mounted from compute01.stack:/other, not volume vm-instances'],
    ['localhost:old-vm-instances', 'mounted from localhost:old-vm-instances, not volume vm-instances'],
    ['localhost:/snaps/snap1/vm-instances', 'mounted from localhost:/snaps/snap1/vm-instances, not volume vm-instances'],
    ['/dev/sdb1', 'mounted from /dev/sdb1, not from a gluster server (expected localhost:vm-instances)'],
  ])('%s', (source, reason) => expect(judge(source)).toEqual({ ok: false, level: 'FAIL', reason }));

  test('a server outside the pool serves some other vm-instances: FAIL, naming the server', () => {
    expect(judge('storage9.example:/vm-instances')).toEqual({
      ok: false, level: 'FAIL',
      reason: "mounted from storage9.example:/vm-instances: storage9.example is not a member of the gluster pool (neither in ferry.yml nor in gluster pool list), so its vm-instances may be another cluster's",
    });
    expect(judge('compute01.stack,storage9:/vm-instances')).toMatchObject({ ok: false, level: 'FAIL', reason: expect.stringMatching(/: storage9 is not a member/) });
  });

  test('a backup-volfile-server outside the pool is named too', () => {
    expect(judge('localhost:/vm-instances', 'backup-volfile-servers=compute02.stack:old-gluster')).toMatchObject({ ok: false, level: 'FAIL', reason: expect.stringMatching(/\(backup-volfile-servers=compute02\.stack:old-gluster\): old-gluster is not a member/) });
  });

  test('a sub-directory of the volume is a warning: shared only if every node mounts the same one', () => {
    expect(judge('localhost:/vm-instances/nova')).toMatchObject({ ok: false, level: 'WARN', reason: expect.stringMatching(/only the sub-directory \/nova of volume vm-instances/) });
  });
});
