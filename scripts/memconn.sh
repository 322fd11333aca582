#!/usr/bin/env bash
# Copyright (C) 2026 The MemConn authors. SPDX-License-Identifier: Apache-2.0
# One entry point for a fresh Debian 12 machine: installs what the build needs
# (only what is missing), configures and builds, then runs what was asked.
#   scripts/memconn.sh bench   the main job: MemConn side by side with QTcpSocket/QLocalSocket
#                              (extra arguments go to the runner: shape names, -minimumtotal ...)
#   scripts/memconn.sh test    build and run the whole test suite (ends with ctest's summary)
#   scripts/memconn.sh sanitize  the suite under ASan+UBSan (LeakSanitizer too), threaded suites under TSan
#   scripts/memconn.sh fuzz    the libFuzzer harness for MEMCONN_FUZZ_SECONDS (default 60)
#   scripts/memconn.sh clang   everything built with Clang, every warning an error, then the suite
#   scripts/memconn.sh deb     the Debian packages: built with CPack, checked by lintian, extracted
#                              into a scratch root that a consumer then builds and runs against
#   scripts/memconn.sh qt68    the whole suite and the quick benchmark on Qt 6.8 LTS, in a
#                              Debian 13 root made by mmdebstrap and cached outside the
#                              repository (MEMCONN_QT68_ROOT, default /var/cache/memconn/trixie)
#   scripts/memconn.sh profile system calls (strace) and instructions (callgrind) per operation
#                              for the floor, shape 1 and ping-pong on every transport
#   scripts/memconn.sh ci      the REUSE licensing check, sanitize, clang, deb, fuzz, qt68,
#                              then test: what .ci/run does
set -euo pipefail
cd "$(dirname "$0")/.."

job=${1:-test}
build=${MEMCONN_BUILD_DIR:-build}
packages=(cmake ninja-build g++ clang libclang-rt-14-dev qt6-base-dev qt6-declarative-dev
          qml6-module-qttest qml6-module-qtqml qml6-module-qtqml-models
          qml6-module-qtquick qml6-module-qtquick-controls
          qml6-module-qtquick-layouts qml6-module-qtquick-templates qml6-module-qtquick-window
          qml6-module-qtqml-workerscript qt6-remoteobjects-dev
          qt6-httpserver-dev qt6-websockets-dev doxygen tshark)

usage() {
    echo "usage: $0 bench|test|sanitize|fuzz|clang|deb|qt68|profile|ci [runner arguments for bench]" >&2
    exit 2
}
case "$job" in
    bench|test|sanitize|fuzz|clang|deb|qt68|profile|ci) ;;
    *) usage ;;   # before anything is installed
esac
# CI also checks the licensing of every file (REUSE) and builds the Debian packages.
case "$job" in
    ci) packages+=(reuse lintian dpkg-dev file mmdebstrap ccache) ;;
    deb) packages+=(lintian dpkg-dev file) ;;
    qt68) packages=(mmdebstrap) ;;
    profile) packages+=(strace valgrind) ;;
esac
# What the Debian 13 root holds: Qt 6.8 LTS with every module the full build
# uses, and the tools the package tests call.
qt68_packages=(cmake ninja-build g++ make pkgconf ccache qt6-base-dev qt6-declarative-dev
               qml6-module-qttest qml6-module-qtqml qml6-module-qtqml-models
               qml6-module-qtquick qml6-module-qtquick-controls qml6-module-qtquick-layouts
               qml6-module-qtquick-templates qml6-module-qtquick-window
               qml6-module-qtqml-workerscript qt6-remoteobjects-dev qt6-httpserver-dev
               qt6-websockets-dev doxygen tshark)

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

# CI builds seven trees (ASan, TSan, Clang, the packages, the fuzzer, Qt 6.8
# and the plain one) from a clean clone each time: a compiler cache kept
# outside the repository (MEMCONN_CCACHE_DIR) compiles only what changed since
# the last run. Build directories made before this stay as they were.
use_ccache() {
    command -v ccache >/dev/null || return 0
    export CCACHE_DIR=${MEMCONN_CCACHE_DIR:-/var/cache/memconn/ccache}
    export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=true CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-4G}
    export CMAKE_C_COMPILER_LAUNCHER=ccache CMAKE_CXX_COMPILER_LAUNCHER=ccache
    mkdir -p "$CCACHE_DIR"
}

configure_and_build() {
    cmake --preset default -B "$build" "$@" >/dev/null
    cmake --build "$build" -j2
}

sanitize() {
    cmake --preset asan >/dev/null
    cmake --build build-asan -j2
    # The package tests build uninstrumented consumers: they run in the normal build.
    ctest --test-dir build-asan --output-on-failure -j2 -LE package
    # ThreadSanitizer runs the suites labelled `threaded` (tests/CMakeLists.txt);
    # ctest sets TSAN_OPTIONS for them.
    cmake --preset tsan >/dev/null
    local threaded
    threaded=$(ctest --test-dir build-tsan -L threaded -N | sed -n 's/^ *Test *#[0-9]*: //p')
    # shellcheck disable=SC2086
    cmake --build build-tsan -j2 --target $threaded
    ctest --test-dir build-tsan --output-on-failure -j2 -L threaded
}

clang_build() {
    # Tests, examples and benchmarks with -Wall -Wextra -Werror (CMakePresets.json).
    # The package tests build their consumers with the default compiler: they
    # run in the normal build.
    cmake --preset clang >/dev/null
    cmake --build build-clang -j2
    ctest --test-dir build-clang --output-on-failure -j2 -LE package
}

deb() {
    # Packages as Debian builds them: /usr, Debian's hardening flags, no RPATH.
    rm -rf build-deb
    cmake -S . -B build-deb -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
        -DCMAKE_SKIP_INSTALL_RPATH=ON -DMEMCONN_PACKAGE_DEB=ON -DMEMCONN_BUILD_TESTS=OFF \
        -DMEMCONN_BUILD_EXAMPLES=OFF -DMEMCONN_BUILD_BENCHMARKS=OFF -DMEMCONN_BUILD_DOCS=OFF \
        -DCMAKE_CXX_FLAGS="$(dpkg-buildflags --get CXXFLAGS) $(dpkg-buildflags --get CPPFLAGS)" \
        -DCMAKE_SHARED_LINKER_FLAGS="$(dpkg-buildflags --get LDFLAGS)" \
        -DCMAKE_MODULE_LINKER_FLAGS="$(dpkg-buildflags --get LDFLAGS)" >/dev/null
    cmake --build build-deb -j2
    (cd build-deb && cpack -G DEB | grep 'generated')
    # Clean but for the finding cmake/debian/lintian-overrides.in explains.
    lintian --fail-on error,warning --tag-display-limit 0 build-deb/*.deb
    echo "memconn: lintian passed"
    local root=$PWD/build-deb/root
    for d in build-deb/*.deb; do dpkg-deb -x "$d" "$root"; done
    local libdir
    libdir=$(dirname "$(find "$root" -name 'libMemConn.so.0' | head -n 1)")
    cmake -S tests/package/consumer -B build-deb/consumer -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_PREFIX_PATH="$root/usr" | grep "MemConn_QML_IMPORT_DIR=$root/usr/lib/.*/qt6/qml"
    cmake --build build-deb/consumer
    LD_LIBRARY_PATH=$libdir build-deb/consumer/consumer "$(sed -n 's/^project(MemConn VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)"
    echo "memconn: a consumer built against the extracted packages runs"
}

fuzz() {
    CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DMEMCONN_BUILD_FUZZERS=ON -DMEMCONN_SANITIZE=address,undefined -DMEMCONN_BUILD_TESTS=OFF \
        -DMEMCONN_BUILD_EXAMPLES=OFF -DMEMCONN_BUILD_BENCHMARKS=OFF -DMEMCONN_BUILD_QML=OFF >/dev/null
    cmake --build build-fuzz -j2
    mkdir -p build-fuzz/corpus
    build-fuzz/fuzz/fuzz_memconn -max_total_time="${MEMCONN_FUZZ_SECONDS:-60}" -timeout=10 \
        -rss_limit_mb=4096 -print_final_stats=1 build-fuzz/corpus fuzz/corpus 2>&1 | tail -n 12
}

# Per operation, from two runs of one benchmark row with N and 2N iterations
# (what does not repeat per operation cancels out): system calls and eventfd
# writes (strace -f -c, every thread) and instructions (callgrind, every
# thread). Times on this machine are noisy; these counts are not.
# MEMCONN_PROFILE_BENCH=path counts another build's runner instead (before
# and after a change).
profile() {
    local bench=${MEMCONN_PROFILE_BENCH:-$build/benchmarks/bench_memconn} n=${MEMCONN_PROFILE_ITERATIONS:-400}
    count_syscalls() {   # $1 iterations, $2 row; prints "total writes"
        local out
        out=$(mktemp)
        strace -f -c -o "$out" "$bench" --out "$out.d" "$2" -iterations "$1" >/dev/null 2>&1
        awk '$NF == "total" {t = $4} $NF == "write" {w = $4} END {print t + 0, w + 0}' "$out"
        rm -rf "$out" "$out.d"
    }
    count_instructions() {   # $1 iterations, $2 row
        valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bench" --out "$(mktemp -d)" "$2" \
            -iterations "$1" 2>&1 >/dev/null | sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
    }
    printf '%-36s %14s %14s %16s\n' "row (per operation)" "system calls" "write()s" "instructions"
    for row in eventLoopFloor dialWriteClose:memu dialWriteClose:memb dialWriteClose:QTcpSocket \
               dialWriteClose:QLocalSocket pingPong:memu pingPong:memb pingPong:QTcpSocket pingPong:QLocalSocket; do
        read -r calls1 writes1 < <(count_syscalls "$n" "$row")
        read -r calls2 writes2 < <(count_syscalls $((2 * n)) "$row")
        local ir1 ir2
        ir1=$(count_instructions "$n" "$row")
        ir2=$(count_instructions $((2 * n)) "$row")
        printf '%-36s %14s %14s %16s\n' "$row" \
            "$(awk -v a="$calls1" -v b="$calls2" -v n="$n" 'BEGIN {printf "%.1f", (b - a) / n}')" \
            "$(awk -v a="$writes1" -v b="$writes2" -v n="$n" 'BEGIN {printf "%.1f", (b - a) / n}')" \
            "$(awk -v a="$ir1" -v b="$ir2" -v n="$n" 'BEGIN {printf "%.0f", (b - a) / n}')"
    done
}

# Prints how long the step named by $1 took, running the rest of the arguments.
timed() {
    local what=$1 start=$SECONDS
    shift
    "$@"
    echo "memconn: $what took $((SECONDS - start)) s"
}

qt68_root() {
    local root=$1 wanted
    wanted=$(printf '%s\n' "${qt68_packages[@]}" | sort)
    if [ -x "$root/usr/bin/cmake" ] && [ "$(cat "$root.packages" 2>/dev/null)" = "$wanted" ]; then
        echo "memconn: reusing the Debian 13 root $root"
        return
    fi
    # A root that lacks packages the list gained gets them added, which keeps
    # its build tree and ccache; a root that cannot is made again.
    if [ -x "$root/usr/bin/cmake" ] && [ -f "$root.packages" ]; then
        echo "memconn: adding packages to the Debian 13 root $root"
        if in_qt68_root "$root" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null' \
            sh "${qt68_packages[@]}"; then
            echo "$wanted" > "$root.packages"
            return
        fi
    fi
    echo "memconn: making the Debian 13 root $root (mmdebstrap)"
    rm -rf "$root" "$root.packages"
    mkdir -p "$(dirname "$root")"
    local mirror
    mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
    mmdebstrap --quiet --variant=apt --include="$(IFS=,; echo "${qt68_packages[*]}")" \
        trixie "$root" "${mirror:-http://deb.debian.org/debian}"
    echo "$wanted" > "$root.packages"
}

# Runs a command as root inside the Debian 13 root with this source tree at
# /src (read-only), /proc and /dev: all in a private mount namespace, so that
# nothing stays mounted when it ends, whatever happens. Builds there go
# through ccache, whose cache stays in the root (/var/cache/ccache).
in_qt68_root() {
    local root=$1
    shift
    mkdir -p "$root/src" "$root/build"
    unshare --mount --propagation private -- bash -euo pipefail -c '
        root=$1; src=$2; shift 2
        mount --bind "$src" "$root/src"
        mount -o remount,bind,ro "$root/src"
        mount -t proc proc "$root/proc"
        mount --rbind /dev "$root/dev"
        mount -t tmpfs tmpfs "$root/tmp"
        exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
            CCACHE_DIR=/var/cache/ccache CCACHE_MAXSIZE=2G \
            CMAKE_C_COMPILER_LAUNCHER=ccache CMAKE_CXX_COMPILER_LAUNCHER=ccache "$@"
    ' bash "$root" "$PWD" "$@"
}

qt68() {
    local root=${MEMCONN_QT68_ROOT:-/var/cache/memconn/trixie}
    timed "the Debian 13 root" qt68_root "$root"
    in_qt68_root "$root" sh -c 'echo "memconn: $(qmake6 -query QT_VERSION | sed "s/^/Qt /") in $(. /etc/os-release; echo "$PRETTY_NAME")"'
    # The build tree stays in the root, so a second run builds only what changed.
    timed "the Qt 6.8 build" in_qt68_root "$root" sh -c \
        'cmake -S /src -B /build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/build/configure.log 2>&1 \
             || { cat /build/configure.log; exit 1; }; cmake --build /build -j2'
    timed "the Qt 6.8 test suite" in_qt68_root "$root" ctest --test-dir /build --output-on-failure -j2
    timed "the Qt 6.8 quick benchmark" in_qt68_root "$root" /build/benchmarks/bench_memconn --out /tmp/bench \
        -minimumtotal 1
}

install_missing
case "$job" in
    sanitize)
        sanitize
        ;;
    fuzz)
        fuzz
        ;;
    clang)
        clang_build
        ;;
    deb)
        deb
        ;;
    qt68)
        qt68
        ;;
    ci)
        use_ccache
        reuse lint
        sanitize
        clang_build
        deb
        fuzz
        qt68
        configure_and_build
        ctest --test-dir "$build" --output-on-failure -j2
        ;;
    profile)
        configure_and_build
        profile
        ;;
    bench)
        configure_and_build
        "$build"/benchmarks/bench_memconn --out "$build"/benchmark-results "${@:2}"
        ;;
    test)
        configure_and_build
        ctest --test-dir "$build" --output-on-failure -j2
        ;;
esac
