# Sourced by the test beds (.ci/real-gluster/bed.sh, .ci/real-nova/bed.sh).
# waitfor SECONDS WHAT CMD...: retry CMD (quietly) until it succeeds; after SECONDS, say what timed out and return 1.
waitfor() {
  local deadline=$((SECONDS + $1)) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then echo "bed: timed out waiting for $what" >&2; return 1; fi
    sleep 0.2
  done
}
