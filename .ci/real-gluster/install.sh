#!/usr/bin/env bash
# Installs what the real gluster bed needs (Debian 12, as root), without starting any service:
# the packages' own sshd and glusterd would listen on every address.
set -euo pipefail
need=()
# Arguments: more packages to install the same way (the real nova bed's).
for p in glusterfs-server glusterfs-client xfsprogs openssh-server openssh-client iproute2 util-linux procps "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed' || need+=("$p")
done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then echo "the real test bed needs root and these Debian packages: ${need[*]}" >&2; exit 1; fi
echo "installing Debian packages: ${need[*]}"
made_policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
fi
trap '[ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
  { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null; }
