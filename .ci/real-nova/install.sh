#!/usr/bin/env bash
# Installs what the real nova bed needs (Debian 12, as root: OpenStack Zed), without starting or
# enabling any service: the bed starts its own processes on 127.0.0.1 (.ci/real-nova/bed.sh).
# Not nova-compute: it depends on nova-compute-kvm (libvirt, QEMU, swtpm); the fake driver needs
# only python3-nova, which nova-common brings.
set -euo pipefail
here="$(dirname "$0")"
bash "$here/../real-gluster/install.sh"
pkgs=(mariadb-server rabbitmq-server keystone placement-api glance-api nova-api nova-conductor nova-scheduler neutron-server
  python3-novaclient python3-openstackclient python3-pymysql uwsgi-plugin-python3 curl)
need=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed' || need+=("$p")
done
if [ "$(id -u)" != 0 ]; then echo "the real nova bed needs root and these Debian packages: ${need[*]}" >&2; exit 1; fi
if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  made_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
  fi
  trap '[ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d' EXIT
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null; }
fi
# policy-rc.d kept them from starting; nor may they start at the next boot.
for s in mariadb rabbitmq-server keystone placement-api glance-api nova-api nova-api-metadata nova-conductor nova-scheduler neutron-api neutron-rpc-server; do
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then systemctl disable --now "$s" >/dev/null 2>&1 || true; fi
  [ -e "/etc/init.d/$s" ] && update-rc.d "$s" disable >/dev/null 2>&1 || true
done
