# Sourced by .ci/test and .ci/demo: installs what ferry needs on a fresh Debian machine.
# Debian packages come through apt-get when missing and running as root; otherwise one line names them.
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
if [ "${FERRY_BENCH:-}" = 1 ]; then command -v parallel-ssh >/dev/null 2>&1 || need+=(pssh); fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian packages: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q "${need[@]}" >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q "${need[@]}" >/dev/null; }
  else
    echo "ferry needs these Debian packages: ${need[*]} (run: sudo apt-get install ${need[*]})" >&2
    exit 1
  fi
fi
# Also when node_modules is there but incomplete (an interrupted install): npx would otherwise try the registry for tsc.
if [ ! -x node_modules/.bin/tsc ] || [ ! -x node_modules/.bin/vitest ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
