#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine: installs what the build needs
# (only what is missing), configures and builds, then runs what was asked.
#   scripts/memconn.sh bench   the main job: MemConn side by side with QTcpSocket/QLocalSocket
#                              (extra arguments go to the runner: shape names, -minimumtotal ...)
#   scripts/memconn.sh test    build and run the whole test suite (ends with ctest's summary)
set -euo pipefail
cd "$(dirname "$0")/.."

job=${1:-test}
build=${MEMCONN_BUILD_DIR:-build}
packages=(cmake ninja-build g++ qt6-base-dev qt6-declarative-dev qml6-module-qttest
          qml6-module-qtquick qt6-remoteobjects-dev)

install_missing() {
    local missing=()
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return
    echo "memconn: installing ${missing[*]}"
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
}

configure_and_build() {
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
    cmake --build "$build" -j2
}

install_missing
case "$job" in
    bench)
        configure_and_build
        "$build"/benchmarks/bench_memconn --out "$build"/benchmark-results "${@:2}"
        ;;
    test)
        configure_and_build
        ctest --test-dir "$build" --output-on-failure -j2
        ;;
    *)
        echo "usage: $0 bench|test" >&2
        exit 2
        ;;
esac
