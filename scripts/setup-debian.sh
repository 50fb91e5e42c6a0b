#!/bin/bash
# Install everything docker-extension needs to build and test on Debian 12
# (run as root).  Idempotent: only missing packages are installed.
set -euo pipefail

packages=(
	# build
	build-essential autoconf automake libtool pkg-config
	# libraries (see README: why each one)
	libcjson-dev libcurl4-openssl-dev libmbedtls-dev
	# tests
	libcunit1-dev valgrind binutils
	# a private Docker Engine for the handler tests
	docker.io curl procps python3
	# containers: compose v1, a registry with a password, a busybox image
	# built from nothing (Docker Hub is not reachable from test machines)
	docker-compose docker-registry apache2-utils busybox-static
	# the systemd "VM" testbed (tests/testbed): a Debian root filesystem
	debootstrap iproute2 iptables
	# envelopes made like the platform's, for the protected-settings tests
	openssl
	# libFuzzer for the decoder's fuzz run in make check
	clang
	# static analysis (scripts/analyse.sh)
	cppcheck clang-tidy bear
)

if [ "$(id -u)" -ne 0 ]; then
	echo "setup-debian.sh: run as root (it installs packages with apt-get)" >&2
	exit 1
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
	echo "setup: all ${#packages[@]} packages present"
	exit 0
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
