#!/usr/bin/env bash
# A Docker engine for CI on machines that have none running (../shared/reference/containers.md): Debian's docker.io,
# started by this script and stopped by it, by process id.
#
#   .ci/docker-engine.sh start    installs docker.io, docker-compose and debootstrap when missing, starts dockerd and
#                                 waits until it answers; exit 1 (with the reason on stderr) when it cannot
#   .ci/docker-engine.sh stop     stops the dockerd this script started (never one it found running), removes its
#                                 docker0 bridge, and checks that iptables and ip_forward are as they were before
#
# The engine runs with --iptables=false --ip-forward=false --ip-masq=false: it adds no iptables rules, no NAT and does
# not turn on IP forwarding, so nothing is left behind in the host's network configuration (containers here need no
# route out: there is no registry to reach). Published ports use the userland proxy, and --ip=127.0.0.1 makes every
# published port without an explicit address (Testcontainers' random ports) listen on loopback only. Containers reach
# the host at the bridge's gateway address (172.17.0.1 by default). Images persist in /var/lib/docker between runs.
# State (pid, log, the network settings before start): $DOCKER_ENGINE_STATE, default /run/arcgis-bridge-docker-engine.
set -euo pipefail

# Debian's client first: it matches Debian's engine (another client may be installed in /usr/local/bin).
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
STATE=${DOCKER_ENGINE_STATE:-/run/arcgis-bridge-docker-engine}
SOCKET=/var/run/docker.sock

log() { printf '[docker-engine %s] %s\n' "$(date +%T)" "$*"; }
answers() { timeout 10 docker -H "unix://$SOCKET" info >/dev/null 2>&1; }

network_snapshot() { # what dockerd could change: ip_forward and the iptables rules
  cat /proc/sys/net/ipv4/ip_forward
  if command -v iptables-save >/dev/null; then iptables-save 2>/dev/null | grep -v '^#' || true; fi
}

start() {
  mkdir -p "$STATE"
  if answers; then
    if [ -f "$STATE/pid" ] && kill -0 "$(cat "$STATE/pid")" 2>/dev/null; then
      log "The engine an interrupted run of this script started is still running (pid $(cat "$STATE/pid")); using it."
      return 0
    fi
    log "A Docker engine is already running at $SOCKET; using it (this script will not stop it)."
    rm -f "$STATE/pid"
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "Starting a Docker engine needs root (apt-get, dockerd)." >&2
    return 1
  fi
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v docker-compose >/dev/null || missing+=(docker-compose)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  if [ ${#missing[@]} -gt 0 ]; then
    log "Installing Debian's ${missing[*]}"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >"$STATE/apt.log" 2>&1; }; then
      tail -n 20 "$STATE/apt.log" >&2 || true
      echo "Could not install ${missing[*]}." >&2
      return 1
    fi
  fi
  network_snapshot >"$STATE/network.before"
  log "Starting dockerd (log: $STATE/dockerd.log)"
  setsid dockerd --host="unix://$SOCKET" --iptables=false --ip-forward=false --ip-masq=false --ip=127.0.0.1 \
    >"$STATE/dockerd.log" 2>&1 < /dev/null &
  echo $! >"$STATE/pid"
  for _ in $(seq 1 60); do
    if answers; then
      log "dockerd $(docker version -f '{{.Server.Version}}' 2>/dev/null) answers (pid $(cat "$STATE/pid"), storage $(docker info -f '{{.Driver}}' 2>/dev/null))"
      return 0
    fi
    kill -0 "$(cat "$STATE/pid")" 2>/dev/null || break
    sleep 0.5
  done
  tail -n 30 "$STATE/dockerd.log" >&2 || true
  echo "dockerd did not start (the end of its log is above)." >&2
  stop
  return 1
}

stop() {
  [ -f "$STATE/pid" ] || return 0
  local pid
  pid=$(cat "$STATE/pid")
  if kill -0 "$pid" 2>/dev/null; then
    log "Stopping dockerd (pid $pid)"
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then
      log "dockerd still running after 30 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$STATE/pid"
  # What dockerd leaves behind: the bind mount of its default network namespace, and the default bridge (docker0,
  # with its 172.17.0.1 address).
  if mountpoint -q /run/docker/netns/default 2>/dev/null; then umount /run/docker/netns/default 2>/dev/null || true; fi
  if ip link show docker0 >/dev/null 2>&1; then ip link delete docker0 2>/dev/null || true; fi
  if [ -f "$STATE/network.before" ]; then
    if network_snapshot | cmp -s - "$STATE/network.before"; then
      log "Network settings as before the engine started (ip_forward $(cat /proc/sys/net/ipv4/ip_forward), iptables unchanged)."
    else
      restore_network
    fi
    rm -f "$STATE/network.before"
  fi
}

# Only reached if an engine started with other flags changed something: put ip_forward back and remove Docker's chains.
restore_network() {
  log "The network settings changed while the engine ran; removing Docker's iptables rules and restoring ip_forward."
  head -n 1 "$STATE/network.before" >/proc/sys/net/ipv4/ip_forward
  local table rule chain
  for table in filter nat; do
    iptables -t "$table" -S 2>/dev/null | grep -E '^-A .*-j DOCKER' | while read -r rule; do
      # shellcheck disable=SC2086 # the rule's words are iptables arguments
      iptables -t "$table" ${rule/-A/-D} 2>/dev/null || true
    done
    iptables -t "$table" -S 2>/dev/null | awk '/^-N DOCKER/ { print $2 }' | while read -r chain; do
      iptables -t "$table" -F "$chain" 2>/dev/null || true
      iptables -t "$table" -X "$chain" 2>/dev/null || true
    done
  done
  grep -q '^:FORWARD DROP' "$STATE/network.before" || iptables -P FORWARD ACCEPT 2>/dev/null || true
  if network_snapshot | cmp -s - "$STATE/network.before"; then
    log "Network settings restored."
  else
    log "WARNING: the network settings still differ from before the engine started:"
    diff <(network_snapshot) "$STATE/network.before" >&2 || true
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
