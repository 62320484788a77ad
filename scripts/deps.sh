#!/bin/sh
# Installs the Debian packages slmsim needs when they are missing: with
# apt-get as root, otherwise prints the exact command and stops.  A fresh
# Debian 12 root with only gcc, make and git lacks all of PKGS; the tests
# also use setsid and awk (util-linux, mawk: in every Debian base system)
# and need no locale (gnuplot runs in glibc's built-in C.UTF-8).
set -u
PKGS="libgsl-dev libyaml-dev libcmocka-dev gnuplot-nox pkg-config"
missing=""
command -v pkg-config >/dev/null 2>&1 || missing="pkg-config"
if [ -z "$missing" ]; then
    pkg-config --exists gsl || missing="$missing libgsl-dev"
    pkg-config --exists yaml-0.1 || missing="$missing libyaml-dev"
    pkg-config --exists cmocka || missing="$missing libcmocka-dev"
else
    missing="$PKGS"
fi
command -v gnuplot >/dev/null 2>&1 || missing="$missing gnuplot-nox"
command -v setsid >/dev/null 2>&1 || missing="$missing util-linux"
command -v awk >/dev/null 2>&1 || missing="$missing mawk"
[ -z "$missing" ] && exit 0

echo "deps: missing:$missing" >&2
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q && apt-get install -y -q --no-install-recommends $missing
    exit $?
fi
echo "deps: run as root:  apt-get update && apt-get install -y$missing" >&2
if command -v sudo >/dev/null 2>&1; then
    echo "deps: (or: sudo apt-get update && sudo apt-get install -y$missing)" >&2
fi
exit 1
