#!/bin/sh
# Install the Debian packages barriersim needs, skipping those already
# installed. Uses sudo when not run as root. Safe to run repeatedly.
set -eu

# libxml2-dev writes JUnit XML; the tests validate it with xmllint
# (libxml2-utils), parse TAP with prove (perl), the workflow with
# python3-yaml, format the man page with man-db and groff-base, and give a
# sweep a terminal with script (bsdutils). libclang-rt-dev: the sanitizer
# and libFuzzer runtimes of the default clang (make sanitize, make fuzz);
# valgrind: memcheck in make sanitize, and the header that registers the
# fibers' stacks (sim/fiber.h).
PACKAGES="make gcc clang pkg-config python3 libpq-dev libcmocka-dev libfiu-dev
fiu-utils libjansson-dev libxxhash-dev libyaml-dev libxml2-dev lcov postgresql
postgresql-contrib pgbouncer libxml2-utils perl python3-yaml man-db groff-base
bsdutils libclang-rt-dev valgrind"

missing=""
for package in $PACKAGES; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    case "$status" in
        "install ok installed") ;;
        *) missing="$missing $package" ;;
    esac
done

if [ -z "$missing" ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "install-deps: missing packages:$missing" >&2
    echo "install-deps: not root and sudo is not available; install them as root" >&2
    exit 1
fi

echo "install-deps: installing$missing"
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
