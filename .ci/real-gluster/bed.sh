#!/usr/bin/env bash
# A real GlusterFS 10.3 test bed on this machine (root, Debian 12): three nodes compute01..03.stack,
# each with its own network, mount and UTS namespace, its own glusterd and its own OpenSSH sshd;
# a replica-3 volume vm-instances over /gluster/instances (XFS in a sparse loop file per node),
# FUSE-mounted from localhost at /var/lib/nova/instances on every node, owned nova:nova.
#
#   bed.sh up        build it (removing leftovers of an earlier run first); prints the ferry.yml path
#   bed.sh down      stop every process in the bed by PID and remove everything it made
#   bed.sh cleanup   the same as down: everything is found by name (frg-*, /var/tmp/ferry-real-gluster; or FRG_*)
#   bed.sh exec NODE CMD...   run CMD inside NODE's namespaces (as its sshd sessions run)
#   bed.sh leftovers          list what of the bed still exists (nothing: exit 0)
#   bed.sh processes          PID and host name of every process still running in a bed node
#
# Network: a bridge frg-br0 with 10.66.77.1/24 in the root namespace, one veth per node
# (10.66.77.11..13). No default route in any node, no NAT; forwarding is not touched. ferry
# reaches each sshd at its node address; glusterd talks to its peers over the bridge.
set -euo pipefail
if [ -n "${BED_TRACE:-}" ]; then PS4='+ ${EPOCHREALTIME} '; set -x; fi

# FRG_BED, FRG_NET and FRG_PREFIX move the bed aside (directory, /24, names of links, namespaces
# and mounts; the prefix at most 3 characters), so that a second bed (the real nova bed's) can run
# next to this one.
BED=${FRG_BED:-/var/tmp/ferry-real-gluster}
NET=${FRG_NET:-10.66.77}
P=${FRG_PREFIX:-frg}
NODES=(compute01 compute02 compute03)
VOLUME=vm-instances
NOVA_UID=7001
SELF="$(readlink -f "$0")"

nsrun() { # nsrun NODE CMD...: inside NODE's namespaces
  local n=$1; shift
  nsenter --net="/run/netns/$P-$n" --mount="$BED/ns/$n.mnt" --uts="$BED/ns/$n.uts" -- "$@"
}
addr() { echo "$NET.1${1#compute0}"; }
# shellcheck source=../waitfor.sh
source "$(dirname "$(readlink -f "$0")")/../waitfor.sh"

# Runs inside a new mount + UTS namespace (already in the node's network namespace): the node's own
# /run, /etc (overlay: hosts, passwd, nova.conf), /var/lib (overlay: glusterd's state, nova), logs, /root, /gluster.
node_init() {
  local n=$1 d="$BED/$1"
  hostname "$n.stack"
  # The UTS namespace's NIS domain names the bed: how bed_processes tells this bed's processes from another bed's.
  echo "$BED" >/proc/sys/kernel/domainname
  mount -t tmpfs -o mode=755,size=64m "$P-$n-run" /run
  mount -t overlay "$P-$n-etc" -o "lowerdir=/etc,upperdir=$d/etc-up,workdir=$d/etc-work" /etc
  mount -t overlay "$P-$n-varlib" -o "lowerdir=/var/lib,upperdir=$d/varlib-up,workdir=$d/varlib-work" /var/lib
  mount --bind "$d/log" /var/log/glusterfs
  mount --bind "$d/root" /root
  mount "$(cat "$d/loop")" /gluster
  mkdir -p /gluster/instances /run/sshd /var/lib/nova/instances /etc/nova /root/.ssh
  cp "$BED/hosts" /etc/hosts
  # Debian's nova-common (the real nova bed's packages) makes a nova user in the /etc below the overlay.
  getent group nova >/dev/null || groupadd -g $NOVA_UID nova
  getent passwd nova >/dev/null || useradd -u $NOVA_UID -g nova -M -d /var/lib/nova -s /usr/sbin/nologin nova
  # The seed runbook's nova.conf (what ferry reads: instances_path, live migration flags, cache modes).
  cat >/etc/nova/nova.conf <<EOF
[DEFAULT]
my_ip = $(addr "$n")
compute_driver = libvirt.LibvirtDriver
instances_path = /var/lib/nova/instances
max_concurrent_live_migrations = 1

[libvirt]
virt_type = kvm
live_migration_flag = VIR_MIGRATE_UNDEFINE_SOURCE,VIR_MIGRATE_PEER2PEER,VIR_MIGRATE_LIVE,VIR_MIGRATE_UNSAFE
disk_cachemodes = file=none
EOF
  chown root:nova /etc/nova/nova.conf && chmod 640 /etc/nova/nova.conf
  cp "$BED/client_key.pub" /root/.ssh/authorized_keys
  chmod 700 /root/.ssh && chmod 600 /root/.ssh/authorized_keys
}

node_net() {
  local n=$1 i=${1#compute0}
  ip netns add "$P-$n"
  ip link add "$P-$n" type veth peer name "${P}p$i"
  ip link set "${P}p$i" netns "$P-$n"
  ip link set "$P-$n" master $P-br0 up
  ip -n "$P-$n" link set lo up
  ip -n "$P-$n" link set "${P}p$i" name eth0
  ip -n "$P-$n" addr add "$(addr "$n")/24" dev eth0
  ip -n "$P-$n" link set eth0 up
}

sshd_config() {
  local n=$1 d="$BED/$1"
  cat >"$d/sshd_config" <<EOF
ListenAddress $(addr "$n")
Port 22
HostKey $d/ssh_host_ed25519_key
PidFile /run/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AuthorizedKeysFile /root/.ssh/authorized_keys
MaxStartups 64
MaxSessions 64
Subsystem sftp internal-sftp
EOF
}

up() {
  local start=$SECONDS n
  down >/dev/null 2>&1 || true
  mkdir -p "$BED/ns"
  # A namespace can be pinned to a file only on a private mount.
  mount --bind "$BED/ns" "$BED/ns"
  mount --make-private "$BED/ns"
  if [ ! -d /gluster ]; then mkdir /gluster && touch "$BED/made-gluster-dir"; fi
  ssh-keygen -q -t ed25519 -N '' -C ferry-real-gluster -f "$BED/client_key"
  { echo "127.0.0.1 localhost"; for n in "${NODES[@]}"; do echo "$(addr "$n") $n.stack $n"; done; } >"$BED/hosts"
  ip link add $P-br0 type bridge
  ip addr add "$NET.1/24" dev $P-br0
  ip link set $P-br0 up
  : >"$BED/known_hosts"
  for n in "${NODES[@]}"; do
    local d="$BED/$n"
    mkdir -p "$d"/{etc-up,etc-work,varlib-up,varlib-work,log,root}
    truncate -s 1G "$d/gluster.xfs"
    mkfs.xfs -q -i size=512 "$d/gluster.xfs"
    losetup -f --show "$d/gluster.xfs" >"$d/loop"
    ssh-keygen -q -t ed25519 -N '' -C "$n.stack" -f "$d/ssh_host_ed25519_key"
    echo "$(addr "$n") $(cut -d' ' -f1,2 "$d/ssh_host_ed25519_key.pub")" >>"$BED/known_hosts"
    sshd_config "$n"
    node_net "$n"
    touch "$BED/ns/$n.mnt" "$BED/ns/$n.uts"
    nsenter --net="/run/netns/$P-$n" unshare --mount="$BED/ns/$n.mnt" --uts="$BED/ns/$n.uts" --propagation private "$SELF" node-init "$n"
    nsrun "$n" /usr/sbin/sshd -f "$d/sshd_config" -E "$d/sshd.log"
  done
  # glusterd spends ~10 s in its start-up (geo-replication set-up) before it daemonizes: start all at once.
  for n in "${NODES[@]}"; do nsrun "$n" glusterd -p /run/glusterd.pid & done
  wait
  for n in "${NODES[@]}"; do waitfor 20 "glusterd on $n" nsrun "$n" gluster pool list; done
  nsrun compute01 gluster peer probe compute02.stack >/dev/null
  nsrun compute01 gluster peer probe compute03.stack >/dev/null
  # Probed back by name, so that the pool knows compute01 by name rather than by address.
  waitfor 20 "compute02 to see compute01" sh -c "nsenter --net=/run/netns/$P-compute02 --mount=$BED/ns/compute02.mnt -- gluster peer status | grep -q 'Peer in Cluster (Connected)'"
  nsrun compute02 gluster peer probe compute01.stack >/dev/null
  waitfor 30 "3 connected peers" sh -c "nsenter --net=/run/netns/$P-compute01 --mount=$BED/ns/compute01.mnt -- gluster pool list | grep -c Connected | grep -qx 3"
  nsrun compute01 gluster volume create "$VOLUME" replica 3 $(for n in "${NODES[@]}"; do echo "$n.stack:/gluster/instances"; done) >/dev/null
  nsrun compute01 gluster volume start "$VOLUME" >/dev/null
  for n in "${NODES[@]}"; do
    waitfor 20 "the mount on $n" nsrun "$n" mount -t glusterfs "localhost:/$VOLUME" /var/lib/nova/instances
  done
  nsrun compute01 chown nova:nova /var/lib/nova/instances
  # The other nodes' FUSE clients keep the root inode's old owner until their attribute cache expires.
  for n in "${NODES[@]}"; do
    waitfor 20 "$n to see the mount owned by nova" sh -c "[ \"\$(nsenter --net=/run/netns/$P-$n --mount=$BED/ns/$n.mnt -- stat -c %U:%G /var/lib/nova/instances)\" = nova:nova ]"
  done
  waitfor 30 "every brick online" sh -c "[ \"\$(nsenter --net=/run/netns/$P-compute01 --mount=$BED/ns/compute01.mnt -- gluster --xml volume status $VOLUME | grep -c '<status>1</status>')\" -ge 3 ]"
  ferry_yml
  echo "bed: up in $((SECONDS - start)) s" >&2
  echo "$BED/ferry.yml"
}

ferry_yml() {
  {
    echo "# Written by .ci/real-gluster/bed.sh: real GlusterFS nodes in namespaces on this machine."
    echo "nodes:"
    echo "  control: { name: control, host: $(addr compute01), port: 22, user: root }"
    echo "  computes:"
    for n in "${NODES[@]}"; do echo "    - { name: $n, host: $(addr "$n"), port: 22, user: root, fqdn: $n.stack }"; done
    # Generous timeouts: the CI machine is small and shared; a slow answer here is load, not a fault.
    echo "ssh: { key: ./client_key, knownHosts: ./known_hosts, connectTimeoutMs: 30000, commandTimeoutMs: 30000 }"
    echo "gluster: { volume: $VOLUME, mountPoint: /var/lib/nova/instances, brickPath: /gluster/instances }"
    echo "roles: { viewer: { users: [U_VIEWER] }, operator: { users: [U_OPS] }, admin: { users: [U_ADMIN] } }"
  } >"$BED/ferry.yml"
}

# Every process whose network namespace is the node's, by PID: TERM, then KILL what is left.
stop_node_processes() {
  local n=$1 pids
  pids=$(ip netns pids "$P-$n" 2>/dev/null || true)
  [ -z "$pids" ] && return 0
  kill -TERM $pids 2>/dev/null || true
  for _ in $(seq 1 25); do
    pids=$(ip netns pids "$P-$n" 2>/dev/null || true)
    [ -z "$pids" ] && return 0
    sleep 0.2
  done
  kill -KILL $pids 2>/dev/null || true
  # A killed process leaves the namespace only once it has exited (one in D state on a FUSE mount may take a while).
  waitfor 20 "the processes of $n to exit" sh -c "[ -z \"\$(ip netns pids $P-$n 2>/dev/null)\" ]" || true
}

# PID and host name of every process of this bed's nodes, found even once its network namespace
# is gone: the processes outside this machine's UTS namespace whose NIS domain name is $BED.
bed_processes() {
  local root pid names candidates
  root=$(readlink /proc/self/ns/uts)
  # find fails on processes that exit while it reads /proc.
  candidates=$(find /proc/[0-9]*/ns/uts -maxdepth 0 -printf '%l %p\n' 2>/dev/null | awk -v r="$root" '$1 != r {split($2, a, "/"); print a[3]}') || true
  for pid in $candidates; do
    names=$(nsenter -t "$pid" -u cat /proc/sys/kernel/hostname /proc/sys/kernel/domainname 2>/dev/null) || continue
    [ "$(sed -n 2p <<<"$names")" = "$BED" ] && echo "$pid $(sed -n 1p <<<"$names")"
  done
  return 0
}

down() {
  local n loop pids
  for n in "${NODES[@]}"; do
    stop_node_processes "$n"
    if [ -e "$BED/ns/$n.mnt" ] && [ -e "/run/netns/$P-$n" ]; then
      nsrun "$n" umount -l /var/lib/nova/instances 2>/dev/null || true
      nsrun "$n" umount /gluster 2>/dev/null || nsrun "$n" umount -l /gluster 2>/dev/null || true
    fi
    umount "$BED/ns/$n.mnt" 2>/dev/null || true
    umount "$BED/ns/$n.uts" 2>/dev/null || true
    ip netns del "$P-$n" 2>/dev/null || true
    ip link del "$P-$n" 2>/dev/null || true
    for loop in $(losetup -j "$BED/$n/gluster.xfs" -O NAME -n 2>/dev/null); do losetup -d "$loop" 2>/dev/null || true; done
  done
  # Whatever escaped its network namespace (an earlier down interrupted after `ip netns del`).
  pids=$(bed_processes | cut -d' ' -f1)
  if [ -n "$pids" ]; then
    kill -KILL $pids 2>/dev/null || true
    waitfor 20 "the bed's last processes to exit" sh -c "[ -z \"\$($SELF processes)\" ]" || true
  fi
  ip link del $P-br0 2>/dev/null || true
  umount "$BED/ns" 2>/dev/null || true
  if [ -e "$BED/made-gluster-dir" ]; then rmdir /gluster 2>/dev/null || true; fi
  rm -rf "$BED"
  leftovers
}

# What of a bed still exists: namespaces, links, loop devices, mounts, files. Exit 1 if anything.
leftovers() {
  local found=0
  report() { echo "leftover: $*"; found=1; }
  for x in $(ip netns list 2>/dev/null | awk -v p="$P-" 'index($1, p) == 1 {print $1}'); do report "netns $x"; done
  for x in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E "^$P" || true); do report "link $x"; done
  for x in $(losetup -l -n -O NAME,BACK-FILE 2>/dev/null | awk -v b="$BED" 'index($2, b) == 1 {print $1}'); do report "loop device $x"; done
  for x in $(awk -v b="$BED" -v p="$P-" 'index($2, b) == 1 || $2 ~ /^\/gluster/ || index($1, p) == 1 {print $2}' /proc/self/mounts); do report "mount $x"; done
  bed_processes | while read -r pid host; do echo "leftover: process $pid on $host: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"; done | grep . && found=1
  [ -e "$BED" ] && report "directory $BED"
  return $found
}

case "${1:-}" in
  up) up ;;
  down | cleanup) down ;;
  leftovers) leftovers ;;
  processes) bed_processes ;;
  node-init) node_init "$2" ;;
  exec) shift; nsrun "$@" ;;
  *) echo "usage: $0 up|down|cleanup|leftovers|exec NODE CMD..." >&2; exit 2 ;;
esac
