#!/usr/bin/env bash
# A real Nova control plane on this machine (root, Debian 12's OpenStack Zed packages), every
# service a plain process of this script on 127.0.0.1 (MariaDB on a socket only): RabbitMQ,
# keystone, placement, glance, neutron-server (ML2, no mechanism drivers, no agents), nova-api,
# nova-conductor, nova-scheduler and three nova-compute with the fake live-migrating driver as
# compute01..03; an OpenSSH sshd on 127.0.0.1 as the control node (ferry sources $BED/openrc there).
# The compute nodes ferry SSHes to are the real gluster bed's (.ci/real-gluster/bed.sh, under
# its own names frn-*, so that it never meets a gluster-only bed running at the same time).
#
#   bed.sh up          build it (removing leftovers of an earlier run first); prints the ferry.yml path
#   bed.sh down        stop every process it started by PID and remove everything it made
#   bed.sh cleanup     the same as down
#   bed.sh leftovers   list what of the bed still exists (nothing: exit 0)
#   bed.sh gluster ARGS...   the gluster bed under the nova bed's names (e.g. exec compute01 CMD)
set -euo pipefail
if [ -n "${BED_TRACE:-}" ]; then PS4='+ ${EPOCHREALTIME} '; set -x; fi
export PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8

BED=/var/tmp/ferry-real-nova
HERE="$(dirname "$(readlink -f "$0")")"
PY=/usr/bin/python3
COMPUTES=(compute01 compute02 compute03)
PASS=ferry-real-nova
# The gluster bed's own names, moved aside (see .ci/real-gluster/bed.sh).
export FRG_BED=$BED/gluster FRG_NET=10.66.78 FRG_PREFIX=frn
GLUSTER="$HERE/../real-gluster/bed.sh"

# shellcheck source=../waitfor.sh
source "$(dirname "$(readlink -f "$0")")/../waitfor.sh"

# start NAME CMD...: CMD in its own session (its PID is its process group), output to log/NAME.log.
start() {
  local name=$1; shift
  setsid "$@" >"$BED/log/$name.log" 2>&1 </dev/null &
  echo $! >"$BED/pids/$name"
}

free_ports() { # free_ports N: N distinct free TCP ports on 127.0.0.1
  "$PY" - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}

sql() { mariadb --no-defaults -S "$BED/mysql/sock" -u root "$@"; }
url() { echo "http://127.0.0.1:$1"; }
db() { echo "mysql+pymysql://root@localhost/$1?unix_socket=$BED/mysql/sock"; }

authtoken() { # authtoken USER: keystonemiddleware / keystoneauth password settings of a service user
  cat <<EOF
www_authenticate_uri = $(url "$P_KEYSTONE")/v3
auth_url = $(url "$P_KEYSTONE")/v3
auth_type = password
user_domain_name = Default
project_domain_name = Default
project_name = service
username = $1
password = $PASS
region_name = RegionOne
EOF
}

write_configs() {
  mkdir -p "$BED"/{keystone/fernet-keys,keystone/credential-keys,placement,glance/images,neutron/plugins,nova/state,lock}
  cat >"$BED/keystone/keystone.conf" <<EOF
[DEFAULT]
[database]
connection = $(db keystone)
[identity]
# A token costs one password check: keep bcrypt cheap in a test bed.
password_hash_rounds = 4
[token]
provider = fernet
[fernet_tokens]
key_repository = $BED/keystone/fernet-keys
[credential]
key_repository = $BED/keystone/credential-keys
EOF
  cat >"$BED/placement/placement.conf" <<EOF
[placement_database]
connection = $(db placement)
[api]
auth_strategy = keystone
[keystone_authtoken]
$(authtoken placement)
EOF
  cat >"$BED/glance/glance-api.conf" <<EOF
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $P_GLANCE
workers = 1
[database]
connection = $(db glance)
[glance_store]
stores = file
default_store = file
filesystem_store_datadir = $BED/glance/images
[keystone_authtoken]
$(authtoken glance)
[paste_deploy]
flavor = keystone
config_file = /etc/glance/glance-api-paste.ini
[oslo_concurrency]
lock_path = $BED/lock
EOF
  cat >"$BED/neutron/neutron.conf" <<EOF
[DEFAULT]
bind_host = 127.0.0.1
bind_port = $P_NEUTRON
core_plugin = ml2
service_plugins =
auth_strategy = keystone
transport_url = rabbit://guest:guest@127.0.0.1:$P_RABBIT/
api_workers = 1
rpc_workers = 1
rpc_state_report_workers = 0
state_path = $BED/neutron
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
[database]
connection = $(db neutron)
[keystone_authtoken]
$(authtoken neutron)
[oslo_concurrency]
lock_path = $BED/lock
[ml2]
type_drivers = flat
tenant_network_types =
mechanism_drivers =
extension_drivers =
EOF
  # Shared by every nova service; the control services add the databases (nova-compute must not have them).
  cat >"$BED/nova/nova-common.conf" <<EOF
[DEFAULT]
transport_url = rabbit://guest:guest@127.0.0.1:$P_RABBIT/
my_ip = 127.0.0.1
state_path = $BED/nova/state
[api]
auth_strategy = keystone
[keystone_authtoken]
$(authtoken nova)
[placement]
$(authtoken nova)
[neutron]
$(authtoken nova)
[glance]
region_name = RegionOne
[service_user]
send_service_user_token = true
$(authtoken nova)
[oslo_concurrency]
lock_path = $BED/lock
[oslo_messaging_notifications]
driver = noop
[wsgi]
api_paste_config = /etc/nova/api-paste.ini
EOF
  cat >"$BED/nova/nova-control.conf" <<EOF
[DEFAULT]
enabled_apis = osapi_compute
osapi_compute_listen = 127.0.0.1
osapi_compute_listen_port = $P_NOVA
osapi_compute_workers = 1
[api_database]
connection = $(db nova_api)
[database]
connection = $(db nova)
[conductor]
workers = 1
[scheduler]
workers = 1
discover_hosts_in_cells_interval = 2
EOF
  local n
  for n in "${COMPUTES[@]}"; do
    mkdir -p "$BED/nova/$n"
    cat >"$BED/nova/$n.conf" <<EOF
[DEFAULT]
host = $n
compute_driver = fake.FakeLiveMigrateDriver
instances_path = $BED/nova/$n/instances
state_path = $BED/nova/$n
EOF
  done
}

start_infra() {
  mkdir -p "$BED/mysql/data" "$BED/rabbit/home"
  mariadb-install-db --no-defaults --datadir="$BED/mysql/data" --user=root --auth-root-authentication-method=normal --skip-test-db >"$BED/log/mariadb-install.log" 2>&1
  # No TCP at all: the services reach it on its socket.
  start mariadb mariadbd --no-defaults --datadir="$BED/mysql/data" --socket="$BED/mysql/sock" --skip-networking --user=root \
    --pid-file="$BED/mysql/pid" --innodb-buffer-pool-size=64M --max-connections=1000 --log-error="$BED/log/mariadb-error.log"
  start epmd epmd -address 127.0.0.1 -port "$P_EPMD"
  # Before rabbit: an Erlang node that finds no epmd starts its own, detached from this script.
  waitfor 20 "epmd" epmd -port "$P_EPMD" -names
  echo "$PASS-cookie" >"$BED/rabbit/home/.erlang.cookie" && chmod 400 "$BED/rabbit/home/.erlang.cookie"
  printf 'listeners.tcp.default = 127.0.0.1:%s\ndistribution.listener.interface = 127.0.0.1\nloopback_users = none\n' "$P_RABBIT" >"$BED/rabbit/rabbitmq.conf"
  # rabbit's own script, not /usr/sbin's (which switches to the rabbitmq user and its /var/lib).
  HOME=$BED/rabbit/home ERL_EPMD_ADDRESS=127.0.0.1 ERL_EPMD_PORT=$P_EPMD RABBITMQ_NODENAME=ferrynova@localhost \
    RABBITMQ_DIST_PORT=$P_RABBIT_DIST RABBITMQ_CONFIG_FILE=$BED/rabbit/rabbitmq.conf RABBITMQ_MNESIA_BASE=$BED/rabbit/mnesia \
    RABBITMQ_LOG_BASE=$BED/rabbit/log RABBITMQ_ENABLED_PLUGINS_FILE=$BED/rabbit/enabled_plugins RABBITMQ_PID_FILE=$BED/rabbit/pid \
    RABBITMQ_CTL_DIST_PORT_MIN=$P_RABBIT_CTL RABBITMQ_CTL_DIST_PORT_MAX=$P_RABBIT_CTL \
    start rabbitmq /usr/lib/rabbitmq/bin/rabbitmq-server
  waitfor 300 "mariadb" sql -e 'select 1'
  sql -e 'create database keystone; create database placement; create database glance; create database neutron; create database nova_api; create database nova; create database nova_cell0;'
}

sync_dbs() {
  local syncs=()
  keystone-manage --config-file "$BED/keystone/keystone.conf" db_sync >"$BED/log/sync-keystone.log" 2>&1 &
  syncs+=($!)
  placement-manage --config-file "$BED/placement/placement.conf" db sync >"$BED/log/sync-placement.log" 2>&1 &
  syncs+=($!)
  glance-manage --config-file "$BED/glance/glance-api.conf" db_sync >"$BED/log/sync-glance.log" 2>&1 &
  syncs+=($!)
  neutron-db-manage --config-file "$BED/neutron/neutron.conf" upgrade heads >"$BED/log/sync-neutron.log" 2>&1 &
  syncs+=($!)
  local nova=(nova-manage --config-file "$BED/nova/nova-common.conf" --config-file "$BED/nova/nova-control.conf")
  { "${nova[@]}" api_db sync && "${nova[@]}" cell_v2 map_cell0 --database_connection "$(db nova_cell0)" &&
    "${nova[@]}" cell_v2 create_cell --name cell1 && "${nova[@]}" db sync; } >"$BED/log/sync-nova.log" 2>&1 &
  syncs+=($!)
  local failed=0 j
  for j in "${syncs[@]}"; do wait "$j" || failed=1; done
  if ((failed)); then tail -n 5 "$BED"/log/sync-*.log >&2; echo "bed: a database sync failed" >&2; return 1; fi
}

start_keystone() {
  local k=(keystone-manage --config-file "$BED/keystone/keystone.conf")
  "${k[@]}" fernet_setup --keystone-user root --keystone-group root >>"$BED/log/keystone-manage.log" 2>&1
  "${k[@]}" credential_setup --keystone-user root --keystone-group root >>"$BED/log/keystone-manage.log" 2>&1
  "${k[@]}" bootstrap --bootstrap-password "$PASS" --bootstrap-region-id RegionOne \
    --bootstrap-admin-url "$(url "$P_KEYSTONE")/v3/" --bootstrap-public-url "$(url "$P_KEYSTONE")/v3/" \
    --bootstrap-internal-url "$(url "$P_KEYSTONE")/v3/" >>"$BED/log/keystone-manage.log" 2>&1
  uwsgi_app keystone "$P_KEYSTONE" /usr/bin/keystone-wsgi-public OS_KEYSTONE_CONFIG_DIR="$BED/keystone"
}

# uwsgi_app NAME PORT WSGI-FILE ENV=VALUE: a WSGI app under uwsgi on 127.0.0.1. uwsgi resets kept-alive
# connections under keystoneauth's POSTs, so every answer closes its connection.
uwsgi_app() {
  start "$1" env "$4" uwsgi --plugin python3 --http-socket "127.0.0.1:$2" --wsgi-file "$3" --master --processes 1 --threads 4 \
    --enable-threads --lazy-apps --die-on-term --buffer-size 65535 --add-header 'Connection: close' --procname-prefix "ferry-nova-$1 "
}

start_services() {
  local nova=(--config-file "$BED/nova/nova-common.conf" --config-file "$BED/nova/nova-control.conf") n
  uwsgi_app placement "$P_PLACEMENT" /usr/bin/placement-api OS_PLACEMENT_CONFIG_DIR="$BED/placement"
  start glance glance-api --config-file "$BED/glance/glance-api.conf"
  start neutron neutron-server --config-file "$BED/neutron/neutron.conf"
  start nova-api nova-api "${nova[@]}"
  start nova-conductor nova-conductor "${nova[@]}"
  start nova-scheduler nova-scheduler "${nova[@]}"
  # Debian's nova-compute package would bring libvirt and QEMU: the fake driver needs only python3-nova.
  printf 'import sys\nfrom nova.cmd.compute import main\nsys.exit(main())\n' >"$BED/nova/nova-compute"
  for n in "${COMPUTES[@]}"; do
    start "nova-compute-$n" "$PY" "$BED/nova/nova-compute" --config-file "$BED/nova/nova-common.conf" --config-file "$BED/nova/$n.conf"
  done
}

start_sshd() {
  mkdir -p "$BED/ssh"
  if [ ! -d /run/sshd ]; then mkdir -p /run/sshd && touch "$BED/made-run-sshd"; fi
  ssh-keygen -q -t ed25519 -N '' -C control.ferry-real-nova -f "$BED/ssh/host_ed25519_key"
  cp "$FRG_BED/client_key.pub" "$BED/ssh/authorized_keys"
  cat >"$BED/ssh/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $P_SSH
HostKey $BED/ssh/host_ed25519_key
PidFile $BED/ssh/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AuthorizedKeysFile $BED/ssh/authorized_keys
# The key sits under /var/tmp (sticky, world-writable), which StrictModes refuses.
StrictModes no
MaxStartups 64
MaxSessions 64
EOF
  start sshd /usr/sbin/sshd -D -f "$BED/ssh/sshd_config" -E "$BED/log/sshd-auth.log"
  { cat "$FRG_BED/known_hosts"; echo "[127.0.0.1]:$P_SSH $(cut -d' ' -f1,2 "$BED/ssh/host_ed25519_key.pub")"; } >"$BED/known_hosts"
}

write_openrc() {
  cat >"$BED/openrc" <<EOF
export OS_AUTH_URL=$(url "$P_KEYSTONE")/v3
export OS_IDENTITY_API_VERSION=3
export OS_USERNAME=admin
export OS_PASSWORD=$PASS
export OS_PROJECT_NAME=admin
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_REGION_NAME=RegionOne
export OS_INTERFACE=public
EOF
}

ferry_yml() {
  local n i
  {
    echo "# Written by .ci/real-nova/bed.sh: a real Nova control plane on 127.0.0.1, the real gluster bed's nodes as computes."
    echo "nodes:"
    echo "  control: { name: control, host: 127.0.0.1, port: $P_SSH, user: root }"
    echo "  computes:"
    for n in "${COMPUTES[@]}"; do
      i=${n#compute0}
      echo "    - { name: $n, host: $FRG_NET.1$i, port: 22, user: root, fqdn: $n.stack }"
    done
    echo "ssh: { key: $FRG_BED/client_key, knownHosts: $BED/known_hosts, connectTimeoutMs: 10000, commandTimeoutMs: 30000 }"
    echo "gluster: { volume: vm-instances, mountPoint: /var/lib/nova/instances, brickPath: /gluster/instances }"
    echo "openstack: { cli: nova, openrc: $BED/openrc, commandTimeoutMs: 120000 }"
    echo "roles: { viewer: { users: [U_VIEWER] }, operator: { users: [U_OPS] }, approver: { users: [U_APPROVER] }, admin: { users: [U_ADMIN] } }"
    echo "policy: { migration: { pollIntervalMs: 1000, timeoutSeconds: 300 } }"
  } >"$BED/ferry.yml"
}

up() {
  local start=$SECONDS
  down >/dev/null 2>&1 || true
  mkdir -p "$BED/log" "$BED/pids"
  read -r P_EPMD P_RABBIT P_RABBIT_DIST P_RABBIT_CTL P_KEYSTONE P_PLACEMENT P_GLANCE P_NEUTRON P_NOVA P_SSH <<<"$(free_ports 10)"
  write_configs
  write_openrc
  start_infra
  # The gluster nodes' bricks are mounted on /gluster in their own mount namespaces. A gluster bed
  # removes /gluster on down when it made it, which unmounts it in every namespace: made here and
  # kept, another bed running meanwhile (npm run test:real) never removes it under this one.
  mkdir -p /gluster
  # The gluster nodes come up meanwhile (about 10 s, mostly glusterd's start-up).
  bash "$GLUSTER" up >"$BED/log/gluster-bed.log" 2>&1 &
  local gluster=$!
  sync_dbs
  start_keystone
  waitfor 300 "keystone" curl -sf "$(url "$P_KEYSTONE")/v3"
  waitfor 300 "rabbitmq" bash -c "exec 3<>/dev/tcp/127.0.0.1/$P_RABBIT"
  "$PY" "$HERE/setup.py" keystone "$BED/openrc" "$PASS" "$P_PLACEMENT" "$P_GLANCE" "$P_NEUTRON" "$P_NOVA" >>"$BED/log/setup.log" 2>&1 ||
    { tail -n 20 "$BED/log/setup.log" >&2; return 1; }
  start_services
  if ! wait "$gluster"; then tail -n 20 "$BED/log/gluster-bed.log" >&2; return 1; fi
  start_sshd
  "$PY" "$HERE/setup.py" ready "$BED/openrc" "${#COMPUTES[@]}" >>"$BED/log/setup.log" 2>&1 ||
    { tail -n 20 "$BED/log/setup.log" >&2; return 1; }
  local nova=(nova-manage --config-file "$BED/nova/nova-common.conf" --config-file "$BED/nova/nova-control.conf")
  "${nova[@]}" cell_v2 discover_hosts >>"$BED/log/setup.log" 2>&1
  local offside
  offside=$(listeners_off_loopback)
  if [ -n "$offside" ]; then echo "bed: listening off 127.0.0.1: $offside" >&2; return 1; fi
  ferry_yml
  echo "bed: up in $((SECONDS - start)) s" >&2
  echo "$BED/ferry.yml"
}

# The bed's processes: every process in the session of a PID it recorded.
bed_pids() {
  local sids
  sids=$(cat "$BED"/pids/* 2>/dev/null | tr '\n' ' ')
  [ -z "$sids" ] && return 0
  ps -eo pid=,sid= | awk -v s=" $sids" '{ if (index(s, " " $2 " ")) print $1 }'
}

# Listening TCP sockets of the bed's processes not on 127.0.0.1.
listeners_off_loopback() {
  local pids
  pids=$(bed_pids | tr '\n' '|')
  [ -z "$pids" ] && return 0
  # epmd adds ::1 to the address it is given; that is loopback too.
  ss -Hltnp | awk -v p="|$pids" '$4 !~ /^(127\.0\.0\.1|\[::1\]):/ { if (match($0, /pid=[0-9]+/)) { id = substr($0, RSTART + 4, RLENGTH - 4); if (index(p, "|" id "|")) print $4 } }'
}

down() {
  local pids
  pids=$(bed_pids)
  if [ -n "$pids" ]; then
    kill -TERM $pids 2>/dev/null || true
    for _ in $(seq 1 50); do
      pids=$(bed_pids)
      [ -z "$pids" ] && break
      sleep 0.2
    done
    [ -n "$pids" ] && kill -KILL $pids 2>/dev/null || true
    waitfor 20 "the bed's processes to exit" sh -c "[ -z \"\$(bash '$0' pids)\" ]" || true
  fi
  bash "$GLUSTER" down >/dev/null 2>&1 || true
  if [ -e "$BED/made-run-sshd" ]; then rmdir /run/sshd 2>/dev/null || true; fi
  rm -rf "$BED"
  leftovers
}

leftovers() {
  local found=0 x
  report() { echo "leftover: $*"; found=1; }
  for x in $(bed_pids); do report "process $x $(tr '\0' ' ' <"/proc/$x/cmdline" 2>/dev/null | cut -c1-120)"; done
  # A process of a bed whose pid files are gone still names the bed's directory on its command line.
  for x in $(pgrep -f "$BED/" || true); do [ "$x" != $$ ] && report "process $x $(tr '\0' ' ' <"/proc/$x/cmdline" 2>/dev/null | cut -c1-120)"; done
  [ -e "$BED" ] && report "directory $BED"
  bash "$GLUSTER" leftovers || found=1
  return $found
}

case "${1:-}" in
  # A bed that failed to come up is taken down again (BED_KEEP=1 keeps it, to look at).
  up)
    trap 'rc=$?; if [ $rc -ne 0 ] && [ -z "${BED_KEEP:-}" ]; then down >/dev/null 2>&1; fi; exit $rc' EXIT
    up ;;
  down | cleanup) down ;;
  leftovers) leftovers ;;
  pids) bed_pids ;;
  gluster) shift; bash "$GLUSTER" "$@" ;;
  *) echo "usage: $0 up|down|cleanup|leftovers|gluster ARGS..." >&2; exit 2 ;;
esac
