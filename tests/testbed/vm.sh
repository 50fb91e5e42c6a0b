#!/bin/bash
# tests/testbed/vm.sh - the systemd "VM" testbed: a Debian 12 root file
# system booted with systemd in a container of a private Docker Engine,
# with its own bridge and NAT (so apt-get works inside), a private registry
# with a password reachable from the VM, and a busybox image pushed there.
#
#   vm.sh up DIR      bring everything up in DIR (kept running; prints how to use it)
#   vm.sh down DIR    tear down everything `up` made in DIR
#   vm.sh shell DIR   a shell in the VM
#   vm.sh env DIR     the variables a script needs (DOCKER_HOST, VM_IP, ...)
#
# As a library (`source tests/testbed/vm.sh`):
#   vm_up DIR            everything; sets TB_* variables (see vm_env)
#   vm_down DIR          teardown; safe to call twice, after a partial up
#   vm_trap DIR          teardown on EXIT, INT and TERM
#   vm_exec CMD...       docker exec -i into the VM
#   vm_cp_in SRC DST     copy a host file or directory into the VM
#   vm_ip, vm_gw         the VM's address, the bridge gateway's address
#   tb_docker ARGS...    the docker client, pointed at the private engine
#   vm_load_image IMG    docker save | docker load into the VM's own engine
#
# What it touches: DIR; a short run directory /tmp/dxtb.XXXXXX (unix
# sockets have at most 108 bytes) recorded in DIR/state.env; one bridge
# dxtbN (the first free N) with subnet 10.213.N.0/24; three iptables rules
# tagged with a comment naming the run directory; the rootfs cache under
# /var/cache/docker-extension-testbed/.  Teardown removes all of it except
# the cache.
set -euo pipefail

TB_VERSION=1
TB_CACHE=${TB_CACHE:-/var/cache/docker-extension-testbed}
TB_SUITE=bookworm
# Everything the handler needs at run time, and nothing of Docker's: the
# extension installs Docker itself.  waagent: Debian's Azure Linux Agent,
# whose own extension-handling code drives our package (waagent_drive.py).
TB_PACKAGES=(
	systemd systemd-sysv dbus
	ca-certificates curl gnupg openssl
	iproute2 procps python3 waagent
	libcjson1 libcurl4 libmbedtls14 libmbedcrypto7 libmbedx509-1
)
TB_REG_USER=dxtb
# Set by vm_up, or read back from DIR/state.env by tb_state_load.
TB_DIR=${TB_DIR:-} TB_RUN=${TB_RUN:-} TB_VM=${TB_VM:-} TB_VM_IP=${TB_VM_IP:-}
TB_GW=${TB_GW:-} TB_REGISTRY=${TB_REGISTRY:-} TB_IMAGE=${TB_IMAGE:-}

tb_log() { printf 'testbed: %s\n' "$*" >&2; }
tb_fail() { printf 'testbed: ERROR: %s\n' "$*" >&2; return 1; }
tb_now() { date +%s%3N; }
tb_secs() { # start-ms [end-ms] -> seconds with one decimal
	local d=$(( ${2:-$(tb_now)} - $1 ))
	printf '%d.%d' $((d / 1000)) $(((d % 1000) / 100))
}

# ---- state ----------------------------------------------------------------------------
# DIR/state.env holds what teardown needs, appended as each piece comes up.
tb_state_set() { # key value
	printf '%s=%q\n' "$1" "$2" >> "$TB_DIR/state.env"
	printf -v "$1" '%s' "$2"
}
tb_state_load() { # dir
	TB_DIR=$(cd "$1" && pwd) || return 1
	[ -f "$TB_DIR/state.env" ] || return 1
	# shellcheck disable=SC1091
	. "$TB_DIR/state.env"
	tb_env_export
}
tb_env_export() {
	if [ -n "${TB_RUN:-}" ]; then
		export DOCKER_HOST="unix://$TB_RUN/docker.sock"
	fi
	export DOCKER_CONFIG="$TB_DIR/client"
}

tb_docker() {
	DOCKER_HOST="unix://$TB_RUN/docker.sock" DOCKER_CONFIG="$TB_DIR/client" \
		DOCKER_BUILDKIT=0 docker "$@"
}

# ---- the root file system, cached ---------------------------------------------------
tb_mirror() {
	if [ -n "${TB_MIRROR:-}" ]; then
		printf '%s\n' "$TB_MIRROR"
		return
	fi
	awk '$1 == "URIs:" { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null |
		grep . || echo http://deb.debian.org/debian
}
tb_sources() { # the VM's apt sources: the host's (Debian's archive is what is reachable)
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		cat /etc/apt/sources.list.d/debian.sources
	else
		printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$(tb_mirror)"
	fi
}
tb_rootfs_key() {
	{
		echo "version=$TB_VERSION suite=$TB_SUITE mirror=$(tb_mirror)"
		printf '%s\n' "${TB_PACKAGES[@]}"
		tb_sources
		declare -f tb_rootfs_customize
	} | sha256sum | cut -c1-16
}

# Run inside the new root once, after debootstrap: a cloud image's shape.
tb_rootfs_customize() { # root
	local r=$1
	rm -f "$r/etc/apt/sources.list"
	tb_sources > "$r/etc/apt/sources.list.d/debian.sources"
	# Like a cloud image: no package lists until someone runs apt-get update.
	rm -rf "$r/var/lib/apt/lists/"* "$r/var/cache/apt/"*.bin
	find "$r/var/cache/apt/archives" -name '*.deb' -delete
	: > "$r/etc/machine-id"
	rm -f "$r/var/lib/dbus/machine-id"
	echo dxvm > "$r/etc/hostname"
	# Units that have nothing to do in a container and only fail there;
	# and the agent's daemon, which would provision against a WireServer
	# that is not there: the tests run waagent's code themselves.
	local u
	for u in getty@tty1.service console-getty.service serial-getty@.service \
		systemd-udevd.service systemd-udev-trigger.service \
		systemd-modules-load.service systemd-remount-fs.service \
		sys-kernel-config.mount sys-kernel-debug.mount sys-kernel-tracing.mount \
		dev-hugepages.mount systemd-firstboot.service \
		walinuxagent.service; do
		ln -sf /dev/null "$r/etc/systemd/system/$u"
	done
	mkdir -p "$r/var/lib/waagent"
	chmod 700 "$r/var/lib/waagent"
}

# vm_rootfs: path of the cached tar (built when missing); sets TB_ROOTFS,
# TB_ROOTFS_CACHED (yes/no), TB_T_ROOTFS (seconds)
vm_rootfs() {
	local key tar t0 build lockfd
	t0=$(tb_now)
	key=$(tb_rootfs_key)
	tar="$TB_CACHE/rootfs-$key.tar"
	mkdir -p "$TB_CACHE"
	chmod 755 "$TB_CACHE"
	exec {lockfd}>"$TB_CACHE/.lock"
	flock "$lockfd"
	if [ -s "$tar" ]; then
		TB_ROOTFS_CACHED=yes
	else
		TB_ROOTFS_CACHED=no
		command -v debootstrap >/dev/null ||
			{ exec {lockfd}>&-; tb_fail "debootstrap not installed (scripts/setup-debian.sh)"; return 1; }
		build=$(mktemp -d "$TB_CACHE/build.XXXXXX")
		chmod 755 "$build"
		tb_log "building the Debian 12 root file system (debootstrap, about 2 minutes, cached in $TB_CACHE)"
		# A subshell, so that whatever happens the half-built tree goes.
		if ! (
			trap 'tb_umount_under "$build"; rm -rf "$build"' EXIT
			pkgs=$(IFS=,; echo "${TB_PACKAGES[*]}")
			if ! debootstrap --variant=minbase --include="$pkgs" "$TB_SUITE" "$build/root" \
				"$(tb_mirror)" > "$build/debootstrap.log" 2>&1; then
				tail -n 20 "$build/debootstrap.log" >&2
				exit 1
			fi
			tb_umount_under "$build"
			tb_rootfs_customize "$build/root"
			tar --numeric-owner --xattrs -C "$build/root" -cf "$build/rootfs.tar" . &&
				mv "$build/rootfs.tar" "$tar"
		); then
			exec {lockfd}>&-
			tb_fail "building the root file system failed"
			return 1
		fi
		find "$TB_CACHE" -maxdepth 1 -name 'rootfs-*.tar' ! -name "rootfs-$key.tar" -delete
	fi
	exec {lockfd}>&-
	TB_ROOTFS=$tar
	TB_T_ROOTFS=$(tb_secs "$t0")
	[ -s "$tar" ] || { tb_fail "no root file system at $tar"; return 1; }
}

# ---- helpers on mounts, processes, firewall ---------------------------------------------
tb_umount_under() { # dir...: whatever is mounted under them, deepest first
	local d m
	for d in "$@"; do
		[ -n "$d" ] || continue
		{ awk '{print $2}' /proc/mounts | grep -E "^$d/" || true; } | sort -r |
			while read -r m; do
				umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
			done
	done
	return 0
}
tb_mounts_under() { # dir... -> the mount points under them
	local d
	for d in "$@"; do
		[ -n "$d" ] || continue
		awk '{print $2}' /proc/mounts | grep -E "^$d(/|$)" || true
	done
}
tb_pids_mentioning() { # string -> pids of Docker's and the registry's programs naming it
	local p c
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		case "$(cat "/proc/$p/comm" 2>/dev/null)" in
		dockerd | containerd | containerd-shim* | docker-proxy | docker-registry | runc) ;;
		*) continue ;;
		esac
		c=$(tr '\0' ' ' 2>/dev/null < "/proc/$p/cmdline") || continue
		case "$c" in *"$1"*) echo "$p" ;; esac
	done
}
tb_kill_wait() { # pid [seconds]: TERM, wait, KILL
	local pid=$1 n=$(( ${2:-15} * 10 ))
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
	kill "$pid" 2>/dev/null || true
	while [ "$n" -gt 0 ] && kill -0 "$pid" 2>/dev/null; do
		sleep 0.1
		n=$((n - 1))
	done
	kill -9 "$pid" 2>/dev/null || true
	n=50
	while [ "$n" -gt 0 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
}
tb_ipt_rules() { # tag -> "table<TAB>rule" lines carrying our comment
	local t
	for t in filter nat; do
		iptables -w -t "$t" -S 2>/dev/null | grep -F -- "$1" | sed "s/^/$t\t/" || true
	done
}
tb_ipt_add() { # table rule...: insert/append one rule tagged with our comment
	local table=$1; shift
	iptables -w -t "$table" "$@" -m comment --comment "$TB_TAG"
}

# ---- up -------------------------------------------------------------------------------
tb_pick_bridge() { # sets TB_BRIDGE, TB_SUBNET, TB_GW; the link is ours once created
	local n
	for n in $(seq 0 63); do
		if ip -4 route show | grep -q "^10\.213\.$n\." ||
			ip -4 addr show | grep -q "inet 10\.213\.$n\."; then
			continue
		fi
		# Creating the link is the atomic claim: it fails if another run has it.
		ip link add name "dxtb$n" type bridge 2>/dev/null || continue
		tb_state_set TB_BRIDGE "dxtb$n"
		tb_state_set TB_SUBNET "10.213.$n.0/24"
		tb_state_set TB_GW "10.213.$n.1"
		if ip addr add "$TB_GW/24" dev "$TB_BRIDGE" && ip link set "$TB_BRIDGE" up; then
			return 0
		fi
		tb_fail "cannot configure $TB_BRIDGE"
		return 1
	done
	tb_fail "no free dxtbN bridge / 10.213.N.0/24 subnet"
}
tb_firewall() {
	# NAT out of the bridge, forwarding to and from it (FORWARD's policy may be DROP).
	# dockerd itself runs with --iptables=false: these three rules are all we add.
	if ! { tb_ipt_add nat -A POSTROUTING -s "$TB_SUBNET" ! -o "$TB_BRIDGE" -j MASQUERADE &&
		tb_ipt_add filter -I FORWARD -i "$TB_BRIDGE" -j ACCEPT &&
		tb_ipt_add filter -I FORWARD -o "$TB_BRIDGE" -m conntrack \
			--ctstate RELATED,ESTABLISHED -j ACCEPT; }; then
		tb_fail "iptables rules for $TB_BRIDGE could not be added"
		return 1
	fi
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = 1 ] || tb_log "WARNING: net.ipv4.ip_forward is 0: the VM will have no network (not changed by the testbed)"
}
tb_free_port() {
	local p
	for _ in $(seq 50); do
		p=$((30000 + RANDOM % 10000))
		[ -z "$(ss -Hltn "sport = :$p" 2>/dev/null)" ] && { echo "$p"; return 0; }
	done
	return 1
}
tb_start_dockerd() {
	local dockerd n
	dockerd=$(command -v dockerd) || { tb_fail "dockerd not found (apt-get install docker.io)"; return 1; }
	mkdir -p "$TB_DIR/docker" "$TB_DIR/client"
	chmod 700 "$TB_DIR/client"
	setsid "$dockerd" --data-root "$TB_DIR/docker/data" --exec-root "$TB_RUN/x" \
		-H "unix://$TB_RUN/docker.sock" --pidfile "$TB_RUN/docker.pid" \
		--bridge="$TB_BRIDGE" --iptables=false --ip6tables=false --ip-masq=false \
		--insecure-registry "$TB_REGISTRY" \
		--default-address-pool "base=10.214.0.0/16,size=24" \
		< /dev/null > "$TB_DIR/docker/log" 2>&1 &
	tb_state_set TB_DOCKERD_PID $!
	n=200
	until curl -sf --unix-socket "$TB_RUN/docker.sock" http://d/_ping > /dev/null 2>&1; do
		n=$((n - 1))
		if [ "$n" -le 0 ] || ! kill -0 "$TB_DOCKERD_PID" 2>/dev/null; then
			tail -n 15 "$TB_DIR/docker/log" >&2
			tb_fail "the private dockerd did not come up"
			return 1
		fi
		sleep 0.1
	done
}
tb_start_registry() {
	local r=$TB_DIR/registry pass n
	mkdir -p "$r/data"
	chmod 700 "$r"
	pass=$(openssl rand -hex 16)
	( umask 077; printf '%s' "$pass" > "$r/password" )
	printf '%s\n' "$pass" | htpasswd -iBn "$TB_REG_USER" > "$r/htpasswd" 2>/dev/null ||
		{ tb_fail "htpasswd failed (apt-get install apache2-utils)"; return 1; }
	cat > "$r/config.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $r/data
  delete:
    enabled: true
http:
  addr: $TB_REGISTRY
  secret: $(openssl rand -hex 16)
auth:
  htpasswd:
    realm: dxtb
    path: $r/htpasswd
EOF
	command -v docker-registry > /dev/null ||
		{ tb_fail "docker-registry not found (apt-get install docker-registry)"; return 1; }
	setsid docker-registry serve "$r/config.yml" < /dev/null > "$r/log" 2>&1 &
	tb_state_set TB_REGISTRY_PID $!
	n=100
	until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$TB_REGISTRY/v2/")" = 401 ]; do
		n=$((n - 1))
		if [ "$n" -le 0 ] || ! kill -0 "$TB_REGISTRY_PID" 2>/dev/null; then
			tail -n 15 "$r/log" >&2
			tb_fail "the registry did not come up on $TB_REGISTRY"
			return 1
		fi
		sleep 0.1
	done
}
tb_busybox_image() {
	local b=$TB_DIR/busybox bb=/bin/busybox
	# busybox-static's: it runs in an image with nothing else in it.
	if [ ! -x "$bb" ] || ldd "$bb" > /dev/null 2>&1; then
		tb_fail "no static $bb (apt-get install busybox-static)"
		return 1
	fi
	mkdir -p "$b"
	cp "$bb" "$b/busybox"
	cat > "$b/Dockerfile" <<'EOF'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN ["/bin/sh", "-c", "mkdir -p /www /tmp && echo dxtb-busybox > /www/index.html"]
CMD ["/bin/sh"]
EOF
	tb_docker build -q -t "$TB_IMAGE" "$b" > "$b/build.log" 2>&1 ||
		{ cat "$b/build.log" >&2; tb_fail "building the busybox image failed"; return 1; }
	vm_registry_login ||
		{ tb_fail "docker login to $TB_REGISTRY failed"; return 1; }
	tb_docker push "$TB_IMAGE" > "$b/push.log" 2>&1 ||
		{ cat "$b/push.log" >&2; tb_fail "pushing $TB_IMAGE failed"; return 1; }
}
# vm_registry_login: the host client logs in (credentials in DIR/client, not ~/.docker)
vm_registry_login() {
	tb_docker login "$TB_REGISTRY" -u "$TB_REG_USER" --password-stdin \
		< "$TB_DIR/registry/password" > /dev/null 2>&1
}
vm_registry_password() { cat "$TB_DIR/registry/password"; }

# vm_handler EXT VERSION SEQ COMMAND: the handler in the VM, run the way
# waagent runs it: cwd the extension directory, waagent's minimal
# environment and variables, /bin/sh -c "<path> <command>".  Prints what
# it printed; returns its exit status.
vm_handler() {
	local ext=$1 version=$2 seq=$3 cmd=$4 extra=()
	case "$cmd" in install | enable) extra=(AZURE_GUEST_AGENT_UNINSTALL_CMD_EXIT_CODE=NOT_RUN) ;; esac
	tb_docker exec -w "$ext" "$TB_VM" env -i \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
		ConfigSequenceNumber="$seq" AZURE_GUEST_AGENT_EXTENSION_PATH="$ext" \
		AZURE_GUEST_AGENT_EXTENSION_VERSION="$version" \
		AZURE_GUEST_AGENT_WIRE_PROTOCOL_ADDRESS=168.63.129.16 \
		AZURE_GUEST_AGENT_EXTENSION_SUPPORTED_FEATURES='[{"Key": "ExtensionTelemetryPipeline", "Value": "1.0"}]' \
		"${extra[@]}" /bin/sh -c "$ext/bin/docker-extension $cmd" 2>&1
}

# ---- TLS certificates for Docker's port (tests) -----------------------------------------
# tb_ca DIR: DIR/ca.pem, DIR/ca.key; tb_leaf DIR NAME EKU [SAN]: DIR/NAME.pem
# and DIR/NAME.key signed by that CA (serverAuth with the VM's address in
# the SAN, or clientAuth).  openssl's chatter only on failure.
tb_ossl() { local d=$1; shift; openssl "$@" 2> "$d/openssl.err" || { cat "$d/openssl.err" >&2; return 1; }; }
tb_ca() {
	tb_ossl "$1" req -x509 -newkey rsa:2048 -nodes -keyout "$1/ca.key" -out "$1/ca.pem" -days 2 \
		-subj /CN=dxtb-docker-ca -addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign
}
tb_leaf() {
	local d=$1 name=$2
	tb_ossl "$d" req -newkey rsa:2048 -nodes -keyout "$d/$name.key" -out "$d/$name.csr" -subj "/CN=$name"
	printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\n%s\n' \
		"$3" "${4:-}" > "$d/$name.ext"
	tb_ossl "$d" x509 -req -in "$d/$name.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
		-CAcreateserial -days 2 -extfile "$d/$name.ext" -out "$d/$name.pem"
}

tb_start_vm() {
	local t0 n st
	t0=$(tb_now)
	mkdir -p "$TB_DIR/vm-docker"
	tb_docker import --change 'CMD ["/lib/systemd/systemd"]' "$TB_ROOTFS" dxtb/debian12 > /dev/null ||
		{ tb_fail "docker import of $TB_ROOTFS failed"; return 1; }
	TB_T_IMPORT=$(tb_secs "$t0")
	t0=$(tb_now)
	# testbed.md's recipe (--privileged fails on these machines).
	tb_docker run -d --name dxvm --hostname dxvm \
		--stop-signal SIGRTMIN+3 \
		--cap-add SYS_ADMIN --cap-add NET_ADMIN --cap-add SYS_PTRACE \
		--cap-add MKNOD --cap-add SYS_MODULE \
		--security-opt seccomp=unconfined --security-opt apparmor=unconfined \
		--device-cgroup-rule='a *:* rwm' \
		-v /sys/fs/cgroup:/sys/fs/cgroup:rw \
		--tmpfs /run --tmpfs /run/lock \
		-v "$TB_DIR/vm-docker:/var/lib/docker" \
		dxtb/debian12 /lib/systemd/systemd > /dev/null ||
		{ tb_fail "starting the VM container failed"; return 1; }
	tb_state_set TB_VM dxvm
	tb_state_set TB_VM_PID "$(tb_docker inspect -f '{{.State.Pid}}' dxvm)"
	tb_state_set TB_VM_IP "$(tb_docker inspect -f '{{.NetworkSettings.IPAddress}}' dxvm)"
	n=600
	while :; do
		st=$(tb_docker exec dxvm systemctl is-system-running 2>/dev/null) || true
		case "$st" in
		running) break ;;
		degraded)
			tb_log "WARNING: systemd is degraded; failed units: $(tb_docker exec dxvm systemctl --failed --no-legend --plain | awk '{print $1}' | tr '\n' ' ')"
			break ;;
		esac
		n=$((n - 1))
		if [ "$n" -le 0 ]; then
			tb_fail "systemd in the VM did not reach running in 60 s (state: ${st:-none})"
			tb_docker logs --tail 20 dxvm >&2 2>&1 || true
			return 1
		fi
		sleep 0.1
	done
	TB_VM_STATE=$st
	TB_T_BOOT=$(tb_secs "$t0")
}

# vm_up DIR: everything.  On failure the caller's trap (vm_trap) tears down.
vm_up() {
	local t0
	t0=$(tb_now)
	[ "$(id -u)" = 0 ] || { tb_fail "run as root"; return 1; }
	local c
	for c in docker dockerd iptables ip curl openssl htpasswd docker-registry ss flock; do
		command -v "$c" > /dev/null || { tb_fail "$c not found (scripts/setup-debian.sh installs what the testbed needs)"; return 1; }
	done
	mkdir -p "$1"
	TB_DIR=$(cd "$1" && pwd)
	chmod 755 "$TB_DIR"
	[ ! -e "$TB_DIR/state.env" ] || { tb_fail "$TB_DIR already holds a testbed (vm.sh down $TB_DIR)"; return 1; }
	: > "$TB_DIR/state.env"
	tb_state_set TB_RUN "$(mktemp -d /tmp/dxtb.XXXXXX)"
	tb_state_set TB_TAG "dxtb:$TB_RUN"
	tb_env_export
	vm_rootfs || return 1
	tb_pick_bridge || return 1
	tb_firewall || return 1
	tb_state_set TB_REGISTRY "$TB_GW:$(tb_free_port)"
	tb_state_set TB_IMAGE "$TB_REGISTRY/dxtb/busybox:1"
	tb_start_dockerd || return 1
	tb_start_registry || return 1
	tb_busybox_image || return 1
	tb_start_vm || return 1
	TB_T_UP=$(tb_secs "$t0")
	tb_log "up in ${TB_T_UP}s (rootfs ${TB_T_ROOTFS}s, cached: $TB_ROOTFS_CACHED; import ${TB_T_IMPORT}s; boot ${TB_T_BOOT}s, systemd $TB_VM_STATE); VM $TB_VM_IP, registry $TB_REGISTRY"
}

# ---- use ------------------------------------------------------------------------------
vm_exec() { tb_docker exec -i "${TB_VM:-dxvm}" "$@"; }
vm_cp_in() { tb_docker cp "$1" "${TB_VM:-dxvm}:$2"; }
vm_ip() { printf '%s\n' "$TB_VM_IP"; }
vm_gw() { printf '%s\n' "$TB_GW"; }
vm_load_image() { tb_docker save "$1" | vm_exec docker load; }
vm_env() { # what a script or a person needs; the password stays in its file
	printf 'export DOCKER_HOST=%q\n' "unix://$TB_RUN/docker.sock"
	printf 'export DOCKER_CONFIG=%q\n' "$TB_DIR/client"
	printf 'VM=%q\nVM_IP=%q\nGW=%q\nREGISTRY=%q\nREGISTRY_USER=%q\nREGISTRY_PASSWORD_FILE=%q\nIMAGE=%q\n' \
		"$TB_VM" "$TB_VM_IP" "$TB_GW" "$TB_REGISTRY" "$TB_REG_USER" \
		"$TB_DIR/registry/password" "$TB_IMAGE"
}

# ---- down -----------------------------------------------------------------------------
# vm_down DIR: everything vm_up made, in reverse; never fails, touches
# nothing but what DIR/state.env names.
vm_down() {
	local dir=${1:-${TB_DIR:-}} p table rule
	[ -n "$dir" ] && [ -f "$dir/state.env" ] || return 0
	tb_state_load "$dir" || return 0
	set +e
	if [ -n "${TB_DOCKERD_PID:-}" ] && kill -0 "$TB_DOCKERD_PID" 2>/dev/null; then
		# Containers first, while their engine still answers.
		tb_docker ps -aq 2>/dev/null | xargs -r timeout 60 env \
			DOCKER_HOST="unix://$TB_RUN/docker.sock" DOCKER_CONFIG="$TB_DIR/client" \
			docker rm -f > /dev/null 2>&1
	fi
	# The VM's init takes its whole pid namespace with it.
	if [ -n "${TB_VM_PID:-}" ] && [ "$TB_VM_PID" != 0 ] &&
		[ "$(cat "/proc/$TB_VM_PID/comm" 2>/dev/null)" = systemd ]; then
		kill -9 "$TB_VM_PID" 2>/dev/null
	fi
	tb_kill_wait "${TB_REGISTRY_PID:-}" 5
	tb_kill_wait "${TB_DOCKERD_PID:-}" 20
	# containerd and shims started for our engine name our run directory.
	for p in $(tb_pids_mentioning "$TB_RUN/"); do tb_kill_wait "$p" 5; done
	for p in $(tb_pids_mentioning "$TB_DIR/"); do tb_kill_wait "$p" 5; done
	tb_umount_under "$TB_DIR" "$TB_RUN"
	if [ -n "${TB_TAG:-}" ]; then
		tb_ipt_rules "$TB_TAG" | while IFS=$'\t' read -r table rule; do
			# shellcheck disable=SC2086 # iptables -S output is word-split back into argv
			eval "set -- $rule"
			[ "$1" = -A ] && shift && iptables -w -t "$table" -D "$@"
		done
	fi
	if [ -n "${TB_BRIDGE:-}" ]; then
		ip link del "$TB_BRIDGE" 2>/dev/null
	fi
	rm -rf "$TB_RUN"
	for p in docker client registry busybox vm-docker state.env; do
		rm -rf "${TB_DIR:?}/$p"
	done
	rmdir "$TB_DIR" 2>/dev/null
	set -e
	return 0
}

# vm_trap DIR: teardown on exit, error and Ctrl-C
vm_trap() {
	TB_TRAP_DIR=$1
	trap 'vm_down "$TB_TRAP_DIR"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# ---- CLI ------------------------------------------------------------------------------
tb_main() {
	local cmd=${1:-} dir=${2:-}
	if [ -z "$cmd" ] || [ -z "$dir" ]; then
		echo "usage: vm.sh up|down|shell|env DIR" >&2
		return 2
	fi
	case "$cmd" in
	up)
		vm_trap "$dir"
		vm_up "$dir"
		trap - EXIT INT TERM
		vm_env
		echo "# shell in the VM: $0 shell $dir; tear down: $0 down $dir"
		;;
	down) vm_down "$dir" ;;
	shell)
		tb_state_load "$dir" || { tb_fail "no testbed in $dir"; return 1; }
		local tty=(-i)
		[ -t 0 ] && tty+=(-t)
		tb_docker exec "${tty[@]}" "$TB_VM" bash -l
		;;
	env)
		tb_state_load "$dir" || { tb_fail "no testbed in $dir"; return 1; }
		vm_env
		;;
	*) echo "usage: vm.sh up|down|shell|env DIR" >&2; return 2 ;;
	esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	tb_main "$@"
fi
