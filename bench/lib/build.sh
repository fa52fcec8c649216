# shellcheck shell=bash
# bench/lib/build.sh: the packages acceptbench needs and its CMake build. As root,
# missing Debian packages are installed; otherwise the one apt-get line to run is
# named. Source it after common.sh; it defines functions only.

# Debian package → something it provides that we can test for cheaply.
DEPS=(cmake:cmake gcc:gcc make:make pkg-config:pkg-config libuv1-dev:pc:libuv
      check:pc:check gnuplot-nox:gnuplot liburing-dev:pc:liburing
      libbpf-dev:pc:libbpf clang:clang bpftool:/usr/sbin/bpftool  # the sk_reuseport program
      iproute2:ip libcap2-bin:capsh    # two hosts on veth (bench/lib/net.sh), its tests
      linux-perf:perf strace:strace)   # kernel counters per connection, and their check

# Print the packages that are missing, one per line.
missing_packages() {
  local dep pkg kind what
  for dep in "${DEPS[@]}"; do
    pkg=${dep%%:*}
    kind=${dep#*:}
    if [[ $kind == pc:* ]]; then
      what=${kind#pc:}
      command -v pkg-config >/dev/null 2>&1 && pkg-config --exists "$what" && continue
    else
      command -v "$kind" >/dev/null 2>&1 && continue
    fi
    echo "$pkg"
  done
}

ensure_packages() {
  local missing
  mapfile -t missing < <(missing_packages)
  install_packages "${missing[@]}"
}

# install_packages PKG...: apt-get install them as root, else name the command.
install_packages() {
  local missing=("$@")
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ $(id -u) -ne 0 ]]; then
    die "missing packages: ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}"
  fi
  echo "$PROG: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed; check the package sources"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    die "apt-get install ${missing[*]} failed"
}

# build DIR [cmake args...]: configure and build into DIR.
build() {
  local dir=$1
  shift
  cmake -S "$ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null ||
    die "cmake configure failed in $dir"
  cmake --build "$dir" -j "$(nproc)" -- --no-print-directory >/dev/null ||
    { cmake --build "$dir" -- --no-print-directory 2>&1 | grep -E 'error|warning' | head -20 >&2
      die "build failed in $dir (errors above)"; }
}

# prepare_bin GIVEN: set BIN to the build tree --bin named (GIVEN; it must hold
# the programs already), or install what is missing and build into build/.
prepare_bin() {
  local given=$1
  if [[ -n $given ]]; then
    BIN=$(cd "$given" 2>/dev/null && pwd) || usage_error "--bin: no such directory '$given'"
    [[ -x $BIN/servers/acceptbench-server && -x $BIN/clients/acceptbench-load ]] ||
      usage_error "--bin: $given holds no built acceptbench (run cmake --build there first)"
    command -v gnuplot >/dev/null 2>&1 || ensure_packages
    return 0
  fi
  BIN=$ROOT/build
  ensure_packages
  build "$BIN"
}
