# shellcheck shell=bash
# bench/lib/net.sh: two hosts on one machine. On loopback the receive path of each
# packet runs in the softirq of the CPU that sent it, so the server's SYN handling
# and request reading are paid by the load generator's CPU. net_setup instead puts
# the server and the load generator in two network namespaces joined by a veth
# pair, with RPS steering each side's receive work to that side's CPUs, as a NIC's
# RSS does on two real hosts, and optional tc netem shaping on both ends.
# Addresses come from 198.18.0.0/15, the range RFC 2544 sets aside for
# benchmarks. Source it; it defines functions only.

NET_PREFIX=abench                # namespaces are abench-<pid of the run>-s and -c
NET_SERVER_ADDR=198.18.0.1
NET_CLIENT_ADDR=198.18.0.2

# net_mask LIST: the hexadecimal CPU mask of a CPU list (0-1,3 -> b), as rps_cpus
# takes it; fails on anything but a list of CPU numbers and ranges.
net_mask() {
  local item lo hi c mask=0
  for item in ${1//,/ }; do
    [[ $item =~ ^([0-9]+)(-([0-9]+))?$ ]] || return 1
    lo=${BASH_REMATCH[1]} hi=${BASH_REMATCH[3]:-${BASH_REMATCH[1]}}
    ((lo <= hi && hi < 63)) || return 1
    for ((c = lo; c <= hi; c++)); do
      mask=$((mask | (1 << c)))
    done
  done
  ((mask != 0)) || return 1
  printf '%x\n' "$mask"
}

# net_remove NS: end what still runs in namespace NS (a server or load generator
# whose run was killed), then delete it. A namespace lives on, with its veth end,
# while a process is in it; deleting it deletes the pair.
net_remove() {
  local pids
  pids=$(ip netns pids "$1" 2>/dev/null) || true
  # shellcheck disable=SC2086  # a list of pids
  [[ -z $pids ]] || kill -KILL $pids 2>/dev/null || true
  ip netns del "$1" 2>/dev/null
}

# net_reap_stale: remove the namespaces of runs that ended without tearing down
# (SIGKILL, a power cut): ours by name, their run's pid no longer alive.
net_reap_stale() {
  local ns pid
  while read -r ns _; do
    [[ $ns =~ ^$NET_PREFIX-([0-9]+)-[sc]$ ]] || continue
    pid=${BASH_REMATCH[1]}
    if [[ $pid != "$$" ]] && ! kill -0 "$pid" 2>/dev/null; then
      net_remove "$ns" && echo "removed namespace $ns, left by an earlier run (pid $pid)"
    fi
  done < <(ip netns list 2>/dev/null)
  return 0
}

# net_teardown: remove what net_setup made; safe to call twice, or before it.
net_teardown() {
  local ns
  for ns in ${NET_SERVER_NS:-} ${NET_CLIENT_NS:-}; do
    net_remove "$ns" || true
  done
  NET_SERVER_NS="" NET_CLIENT_NS=""
}

# net_in NS CMD...: run CMD in namespace NS.
net_in() {
  local ns=$1
  shift
  ip netns exec "$ns" "$@"
}

# net_setup SERVER_CPUS CLIENT_CPUS DELAY JITTER LOSS: make the two hosts (DELAY,
# JITTER, LOSS may be empty: no shaping). Sets NET_SERVER_NS and NET_CLIENT_NS,
# NET_DESCRIPTION, one line for env.txt and report.md, and NET_TOPOLOGY, its
# short form for the CSV rows. On failure it removes
# what it made, sets net_error to one line naming the step and the fix, and
# returns 1. The caller runs net_teardown on every way out (an EXIT trap).
net_setup() {
  local server_cpus=$1 client_cpus=$2 delay=$3 jitter=$4 loss=$5 smask cmask
  # shellcheck disable=SC2034  # for the caller
  net_error=""
  if [[ $EUID -ne 0 ]]; then
    net_error="network namespaces need root: run as root"
    return 1
  fi
  command -v ip >/dev/null || { net_error="no 'ip' command: install iproute2"; return 1; }
  smask=$(net_mask "$server_cpus") || { net_error="server CPUs '$server_cpus' are not a CPU list"; return 1; }
  cmask=$(net_mask "$client_cpus") || { net_error="client CPUs '$client_cpus' are not a CPU list"; return 1; }
  net_reap_stale
  NET_SERVER_NS=$NET_PREFIX-$$-s NET_CLIENT_NS=$NET_PREFIX-$$-c
  local sif=ab$$s cif=ab$$c
  local -a netem=()
  [[ -z $delay ]] || netem+=(delay "$delay" ${jitter:+"$jitter"})
  [[ -z $loss ]] || netem+=(loss "$loss")
  # The client opens and closes many connections a second: it gets the whole port
  # range and TIME_WAIT reuse, which the default (2) grants to loopback only. Both
  # are per namespace, so the machine's own settings stay as they are.
  if ! { net_step ip netns add "$NET_SERVER_NS" &&
         net_step ip netns add "$NET_CLIENT_NS" &&
         net_step ip link add "$sif" netns "$NET_SERVER_NS" type veth \
           peer name "$cif" netns "$NET_CLIENT_NS" &&
         net_host "$NET_SERVER_NS" "$sif" "$NET_SERVER_ADDR" "$smask" "${netem[@]}" &&
         net_host "$NET_CLIENT_NS" "$cif" "$NET_CLIENT_ADDR" "$cmask" "${netem[@]}" &&
         net_step net_in "$NET_CLIENT_NS" sysctl -q -w net.ipv4.ip_local_port_range="1024 65535" &&
         net_step net_in "$NET_CLIENT_NS" sysctl -q -w net.ipv4.tcp_tw_reuse=1; }; then
    [[ $net_error != *"qdisc kind is unknown"* ]] ||
      net_error+=" (this kernel has no netem: CONFIG_NET_SCH_NETEM)"
    net_teardown
    return 1
  fi
  NET_DESCRIPTION="veth $NET_SERVER_ADDR (server, rps_cpus $smask) <-> $NET_CLIENT_ADDR (client, rps_cpus $cmask)"
  [[ ${#netem[@]} -eq 0 ]] || NET_DESCRIPTION+=", netem ${netem[*]} on both ends"
  # The same without commas, for a CSV column.
  # shellcheck disable=SC2034  # for the caller
  NET_TOPOLOGY="veth server-rps=$smask client-rps=$cmask${netem[*]:+ netem ${netem[*]}}"
  return 0
}

# net_check_mode VALUE: returns when VALUE is a --net mode (loopback or veth); else
# says so in one line on stderr after "$PROG: " and exits 2 (bad usage).
net_check_mode() {
  [[ $1 == loopback || $1 == veth ]] && return 0
  echo "${PROG:-net.sh}: --net: '$1' is not loopback or veth" >&2
  exit 2
}

# net_choose MODE SERVER_CPUS CLIENT_CPUS [DELAY JITTER LOSS]: a script's topology.
# MODE loopback: 127.0.0.1 in this namespace. veth: net_setup's two hosts, RPS
# steering each side's receive work to its CPU list (empty: every CPU), shaped by
# DELAY, JITTER, LOSS (may be empty); when they cannot be set up, one line
# "$PROG: --net veth: <why> (or use --net loopback)" on stderr and exit 2. auto:
# veth where it can be set up, else loopback, with one line on stdout saying why.
# Sets NET_ADDR (where the server listens, --admin too, and where the load
# generator connects and reads /stats), the arrays NET_SERVER_RUN and NET_CLIENT_RUN
# (what runs a command on each side: ip netns exec NS, or nothing on loopback), and
# NET_DESCRIPTION and NET_TOPOLOGY (both "loopback" on loopback: acceptbench-load
# --topology takes NET_TOPOLOGY). Set the EXIT, INT and TERM traps that run
# net_teardown before calling it.
# shellcheck disable=SC2034  # for the caller
net_choose() {
  local mode=$1 all
  all="0-$(($(nproc) - 1))"
  NET_ADDR=127.0.0.1 NET_SERVER_RUN=() NET_CLIENT_RUN=()
  NET_DESCRIPTION=loopback NET_TOPOLOGY=loopback
  [[ $mode != loopback ]] || return 0
  if net_setup "${2:-$all}" "${3:-$all}" "${4:-}" "${5:-}" "${6:-}"; then
    NET_ADDR=$NET_SERVER_ADDR
    NET_SERVER_RUN=(ip netns exec "$NET_SERVER_NS") NET_CLIENT_RUN=(ip netns exec "$NET_CLIENT_NS")
  elif [[ $mode == veth ]]; then
    echo "${PROG:-net.sh}: --net veth: $net_error (or use --net loopback)" >&2
    exit 2
  else
    echo "${PROG:-net.sh}: on loopback, where the server's receive work runs on the client's CPUs; for two hosts on veth: $net_error"
  fi
}

# net_step CMD...: one step of the set-up; on failure net_error says which, and why.
net_step() {
  local out
  out=$("$@" 2>&1) && return 0
  # shellcheck disable=SC2034  # for the caller
  net_error="'$*' failed: ${out//$'\n'/ }"
  return 1
}

# net_host NS DEV ADDR MASK [NETEM...]: one side: its address, its links up, every
# receive queue of DEV steered to the CPUs of MASK (ip netns exec mounts the
# namespace's own /sys, where DEV is visible), and the shaping, if any.
net_host() {
  local ns=$1 dev=$2 addr=$3 mask=$4
  shift 4
  # shellcheck disable=SC2016  # expanded by the inner bash
  local rps='for q in /sys/class/net/"$1"/queues/rx-*/rps_cpus; do echo "$2" >"$q"; done'
  net_step net_in "$ns" ip addr add "$addr/30" dev "$dev" &&
    net_step net_in "$ns" ip link set lo up &&
    net_step net_in "$ns" ip link set "$dev" up &&
    net_step net_in "$ns" bash -c "$rps" _ "$dev" "$mask" ||
    return 1
  [[ $# -eq 0 ]] || net_step net_in "$ns" tc qdisc add dev "$dev" root netem "$@"
}
