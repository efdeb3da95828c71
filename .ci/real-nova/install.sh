#!/usr/bin/env bash
# Installs what the real nova bed needs (Debian 12, as root: OpenStack Zed), without starting or
# enabling any service: the bed starts its own processes on 127.0.0.1 (.ci/real-nova/bed.sh).
# Not nova-compute: it depends on nova-compute-kvm (libvirt, QEMU, swtpm); the fake driver needs
# only python3-nova, which nova-common brings.
set -euo pipefail
here="$(dirname "$0")"
# The gluster bed's installer: no service started (policy-rc.d), --no-install-recommends.
bash "$here/../real-gluster/install.sh" mariadb-server rabbitmq-server keystone placement-api glance-api nova-api nova-conductor \
  nova-scheduler neutron-server python3-novaclient python3-openstackclient python3-pymysql uwsgi-plugin-python3 curl
# policy-rc.d kept them from starting; nor may they start at the next boot.
for s in mariadb rabbitmq-server keystone placement-api glance-api nova-api nova-api-metadata nova-conductor nova-scheduler neutron-api neutron-rpc-server; do
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then systemctl disable --now "$s" >/dev/null 2>&1 || true; fi
  [ -e "/etc/init.d/$s" ] && update-rc.d "$s" disable >/dev/null 2>&1 || true
done
