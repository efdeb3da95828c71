#!/usr/bin/env bash
# Installs what the real gluster bed needs on Debian 12 (as root): idempotent, non-interactive, and
# leaving no package service running (Debian's sshd and glusterd would listen on every address).
# What bed.sh and test/real run, by package (dpkg -S): glusterd, glusterfsd, gluster
# (glusterfs-server, -common, -cli), mount.glusterfs (glusterfs-client; it opens /dev/fuse itself,
# no fuse3), mkfs.xfs (xfsprogs), sshd (openssh-server), ssh-keygen (openssh-client), ip, ss
# (iproute2), nsenter, unshare, findmnt (util-linux), mount, umount, losetup (mount), groupadd,
# useradd (passwd), ps (procps), find (findutils); hostname, coreutils, grep and awk are in every Debian.
set -euo pipefail
packages=(glusterfs-server glusterfs-client xfsprogs openssh-server openssh-client iproute2 util-linux mount passwd procps findutils)
need=()
# Arguments: more packages to install the same way (the real nova bed's).
for p in "${packages[@]}" "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed' || need+=("$p")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then echo "the real test bed needs root and these Debian packages: ${need[*]}" >&2; exit 1; fi
echo "installing Debian packages: ${need[*]}"

# The services the packages would start (systemd units, or ssh's init script), and which already ran.
units=(glusterd glustereventsd ssh)
running() {
  if [ -d /run/systemd/system ]; then
    for u in "${units[@]}"; do systemctl is-active -q "$u.service" 2>/dev/null && echo "$u"; done
  else
    [ -s /run/sshd.pid ] && kill -0 "$(cat /run/sshd.pid)" 2>/dev/null && echo ssh
  fi
  return 0
}
before=$(running)
made_policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
fi
trap 'if [ -n "$made_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi' EXIT
export DEBIAN_FRONTEND=noninteractive
apt=(apt-get install -y -q --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
"${apt[@]}" "${need[@]}" >/dev/null 2>&1 || { apt-get update -q >/dev/null && "${apt[@]}" "${need[@]}" >/dev/null; }

# policy-rc.d forbids starting them; should one have started anyway, stop what was not running before.
for s in $(running); do
  grep -qx "$s" <<<"$before" && continue
  echo "stopping $s, which the package started"
  if [ -d /run/systemd/system ]; then systemctl stop "$s.service"; else /etc/init.d/ssh stop >/dev/null; fi
done
