#!/bin/bash
# The testbed proves itself: the VM boots systemd, apt-get works inside,
# the registry wants its password (from the VM and from the host engine),
# the busybox image serves HTTP, and teardown leaves nothing behind.
# Run as root: bash tests/testbed/test_vm_smoke.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=vm.sh
. "$here/vm.sh"

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "PASS $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; shift; local l; for l in "$@"; do printf '    %s\n' "$l"; done; }
summary() { echo "test_vm_smoke: $pass passed, $fail failed"; }

if [ "$(id -u)" != 0 ]; then
	echo "SKIP test_vm_smoke: needs root"
	exit 77
fi

t_start=$(tb_now)
dir=$(mktemp -d "${TMPDIR:-/tmp}/dxtb-smoke.XXXXXX")
on_exit() {
	local rc=$?
	vm_down "$dir"
	rm -rf "$dir"
	[ "$rc" = 0 ] || summary
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- up -------------------------------------------------------------------------------
if vm_up "$dir"; then
	ok "testbed up in ${TB_T_UP}s: rootfs ${TB_T_ROOTFS}s ($([ "$TB_ROOTFS_CACHED" = yes ] && echo cached || echo cold build)), import ${TB_T_IMPORT}s, VM boot ${TB_T_BOOT}s"
else
	ko "testbed up" "see the messages above"
	exit 1
fi
# What teardown must remove, noted while it is there.
run=$TB_RUN bridge=$TB_BRIDGE tag=$TB_TAG
dockerd_pid=$TB_DOCKERD_PID registry_pid=$TB_REGISTRY_PID vm_pid=$TB_VM_PID

# ---- the VM ---------------------------------------------------------------------------
st=$(vm_exec systemctl is-system-running 2>&1) || true
if [ "$st" = running ]; then
	ok "systemd in the VM: running"
else
	ko "systemd in the VM: running" "state: $st" \
		"failed units: $(vm_exec systemctl --failed --no-legend --plain 2>&1 | tr '\n' ' ')"
fi
if [ "$(vm_exec cat /proc/1/comm)" = systemd ]; then ok "PID 1 in the VM is systemd"; else ko "PID 1 in the VM is systemd"; fi
if vm_exec sh -c 'command -v dockerd || command -v docker' > /dev/null 2>&1; then
	ko "no Docker in the VM before the extension runs" "$(vm_exec sh -c 'command -v dockerd docker')"
else
	ok "no Docker in the VM before the extension runs"
fi
# shellcheck disable=SC2016 # dpkg-query expands ${...} itself
missing=$(vm_exec dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' \
	libcjson1 libcurl4 libmbedtls14 libmbedcrypto7 libmbedx509-1 ca-certificates curl openssl python3 2>&1 |
	grep -v '^ii ' || true)
if [ -z "$missing" ]; then ok "the handler's run-time packages are in the VM"; else ko "the handler's run-time packages are in the VM" "$missing"; fi

t0=$(tb_now)
if out=$(vm_exec env DEBIAN_FRONTEND=noninteractive apt-get update 2>&1); then
	ok "apt-get update in the VM ($(tb_secs "$t0")s)"
else
	ko "apt-get update in the VM" "$(tail -n 5 <<<"$out")"
fi
if out=$(vm_exec apt-cache policy docker.io 2>&1) && grep -q 'Candidate: [0-9]' <<<"$out"; then
	ok "docker.io is installable in the VM ($(awk '/Candidate/{print $2}' <<<"$out"))"
else
	ko "docker.io is installable in the VM" "$out"
fi

# ---- the registry ---------------------------------------------------------------------
code=$(vm_exec curl -s -o /dev/null -w '%{http_code}' "http://$TB_REGISTRY/v2/" 2>&1) || true
if [ "$code" = 401 ]; then ok "registry from the VM: anonymous /v2/ is 401"; else ko "registry from the VM: anonymous /v2/ is 401" "got: $code"; fi
# The password goes to curl on stdin (a config file), never on a command line.
code=$({ printf 'user = "%s:' "$TB_REG_USER"; vm_registry_password; printf '"\n'; } |
	vm_exec curl -s -K - -o /dev/null -w '%{http_code}' "http://$TB_REGISTRY/v2/_catalog" 2>&1) || true
if [ "$code" = 200 ]; then ok "registry from the VM: with the password, 200"; else ko "registry from the VM: with the password, 200" "got: $code"; fi

tb_docker rmi "$TB_IMAGE" > /dev/null
anon=$TB_DIR/client/anon   # removed with the client directory
mkdir -p "$anon"
if out=$(DOCKER_HOST="unix://$TB_RUN/docker.sock" DOCKER_CONFIG="$anon" docker pull "$TB_IMAGE" 2>&1); then
	ko "anonymous pull from the registry is refused" "$out"
else
	if grep -qiE 'no basic auth credentials|unauthorized|authentication required' <<<"$out"; then
		ok "anonymous pull from the registry is refused"
	else
		ko "anonymous pull from the registry is refused (for the right reason)" "$out"
	fi
fi
if out=$(tb_docker pull "$TB_IMAGE" 2>&1); then
	ok "authenticated pull from the registry"
else
	ko "authenticated pull from the registry" "$out"
fi

# ---- the busybox image ----------------------------------------------------------------
if tb_docker run -d --name web "$TB_IMAGE" httpd -f -p 8080 -h /www > /dev/null 2>&1; then
	web_ip=$(tb_docker inspect -f '{{.NetworkSettings.IPAddress}}' web)
	body=
	for _ in $(seq 50); do
		body=$(curl -s --max-time 2 "http://$web_ip:8080/") && [ -n "$body" ] && break
		sleep 0.1
	done
	if [ "$body" = dxtb-busybox ]; then ok "busybox image serves HTTP (httpd -f -p 8080 -h /www)"; else ko "busybox image serves HTTP" "body: $body" "$(tb_docker logs web 2>&1 | tail -n 5)"; fi
else
	ko "busybox image runs"
fi

# ---- the VM's own Docker, by hand: what the extension will do ------------------------------
# (DXTB_SMOKE_INNER_DOCKER=0 skips this part, about 40 s.)
if [ "${DXTB_SMOKE_INNER_DOCKER:-1}" = 1 ]; then
	t0=$(tb_now)
	if out=$(vm_exec env DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io 2>&1) &&
		[ "$(vm_exec systemctl is-active docker)" = active ]; then
		ok "apt-get install docker.io in the VM: docker.service active ($(tb_secs "$t0")s)"
	else
		ko "apt-get install docker.io in the VM" "$(tail -n 8 <<<"$out")"
	fi
	printf '{"insecure-registries": ["%s"]}\n' "$TB_REGISTRY" | vm_exec sh -c 'cat > /etc/docker/daemon.json'
	vm_exec systemctl restart docker || true
	drv=$(vm_exec docker info -f '{{.Driver}}' 2>&1) || true
	if [ "$drv" = overlay2 ]; then ok "the VM's dockerd stores images with overlay2 (on the host directory)"; else ko "the VM's dockerd stores images with overlay2" "driver: $drv"; fi
	if vm_exec docker login "$TB_REGISTRY" -u "$TB_REG_USER" --password-stdin \
		< "$TB_DIR/registry/password" > /dev/null 2>&1 &&
		out=$(vm_exec docker pull -q "$TB_IMAGE" 2>&1); then
		ok "the VM's dockerd logs in and pulls from the registry (insecure-registries in daemon.json)"
	else
		ko "the VM's dockerd logs in and pulls from the registry" "$out"
	fi
	body=
	if vm_exec docker run -d --name web -p 8080:8080 "$TB_IMAGE" httpd -f -p 8080 -h /www > /dev/null 2>&1; then
		for _ in $(seq 50); do
			body=$(curl -s --max-time 2 "http://$TB_VM_IP:8080/") && [ -n "$body" ] && break
			sleep 0.1
		done
	fi
	if [ "$body" = dxtb-busybox ]; then
		ok "a container in the VM publishes a port the host reaches (VM_IP:8080)"
	else
		ko "a container in the VM publishes a port the host reaches" "body: $body"
	fi
	t_inner=$(tb_secs "$t0")
fi

# ---- teardown -------------------------------------------------------------------------
t0=$(tb_now)
vm_down "$dir"
t_down=$(tb_secs "$t0")
left=
for p in "$dockerd_pid" "$registry_pid" "$vm_pid"; do
	[ -n "$p" ] && kill -0 "$p" 2>/dev/null && left+=" $p($(cat "/proc/$p/comm" 2>/dev/null))"
done
for p in /proc/[0-9]*; do
	p=${p#/proc/}
	[ "$p" = "$$" ] && continue
	case "$(tr '\0' ' ' 2>/dev/null < "/proc/$p/cmdline")" in
	*"$run"* | *"$dir/"*) left+=" $p($(cat "/proc/$p/comm" 2>/dev/null))" ;;
	esac
done
if [ -z "$left" ]; then ok "teardown: no process left"; else ko "teardown: no process left" "$left"; fi
mnt=$(tb_mounts_under "$dir" "$run")
if [ -z "$mnt" ]; then ok "teardown: no mount left"; else ko "teardown: no mount left" "$mnt"; fi
if ip link show "$bridge" > /dev/null 2>&1; then ko "teardown: bridge $bridge removed"; else ok "teardown: bridge $bridge removed"; fi
rules=$(tb_ipt_rules "$tag")
if [ -z "$rules" ]; then ok "teardown: iptables rules removed"; else ko "teardown: iptables rules removed" "$rules"; fi
if [ ! -e "$dir" ] && [ ! -e "$run" ]; then ok "teardown: directories removed ($t_down s)"; else ko "teardown: directories removed" "$(ls -d "$dir" "$run" 2>&1)"; fi

echo "timings: rootfs ${TB_T_ROOTFS}s ($([ "$TB_ROOTFS_CACHED" = yes ] && echo cached || echo cold)), VM boot ${TB_T_BOOT}s, up ${TB_T_UP}s, Docker in the VM ${t_inner:-skipped}s, teardown ${t_down}s, total $(tb_secs "$t_start")s"
summary
[ "$fail" -eq 0 ]
