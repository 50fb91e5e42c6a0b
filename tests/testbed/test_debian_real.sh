#!/bin/bash
# The real end-to-end test of the Debian plugin (issue #5) on the systemd
# testbed: the built handler and plugins laid out in the VM as waagent lays
# out an extension, settings with protected certificates encrypted as the
# platform does, then install, enable (Docker installed from Debian's
# archive, a TLS port with client verification, an insecure registry), an
# unchanged enable that restarts nothing, a certificate-only change that
# restarts dockerd exactly once, disable and uninstall.
#
#   DX_TOP_BUILDDIR=_build/default bash tests/testbed/test_debian_real.sh
#
# The first failure that makes the rest meaningless stops the test with
# "FAIL <step>: ..." and what the handler said (its status and log).
# shellcheck disable=SC2016 # dpkg-query formats and sh -c scripts are single-quoted on purpose
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=vm.sh
. "$here/vm.sh"

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "PASS $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; shift; local l; for l in "$@"; do printf '    %s\n' "$l"; done; }
summary() { echo "test_debian_real: $pass passed, $fail failed"; }
check() { # name rc details...
	local name=$1 rc=$2; shift 2
	if [ "$rc" -eq 0 ]; then ok "$name"; else ko "$name" "$@"; fi
}

if [ "$(id -u)" != 0 ]; then
	echo "SKIP test_debian_real: needs root"
	exit 77
fi
build=${DX_TOP_BUILDDIR:?set DX_TOP_BUILDDIR to a build directory (with docker-extension and plugins/.libs/)}
build=$(cd "$build" && pwd)
handler=$build/docker-extension
# A libtool wrapper script would not run in the VM: take the real binary.
if [ "$(head -c 2 "$handler" 2>/dev/null)" = '#!' ] && [ -x "$build/.libs/docker-extension" ]; then
	handler=$build/.libs/docker-extension
fi
for f in "$handler" "$build/plugins/.libs/debian.so"; do
	[ -f "$f" ] || { echo "FAIL build: $f missing (build first: make -C $build)"; exit 1; }
done

t_start=$(tb_now)
dir=$(mktemp -d "${TMPDIR:-/tmp}/dxtb-real.XXXXXX")
work=$(mktemp -d "${TMPDIR:-/tmp}/dxtb-real-work.XXXXXX")   # keys: 0700
on_exit() {
	local rc=$?
	vm_down "$dir"
	rm -rf "$dir" "$work"
	[ "$rc" = 0 ] || summary
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

name=Microsoft.Azure.Extensions.DockerExtension
EXT=/var/lib/waagent/$name-1.0.0
LOGDIR=/var/log/azure/$name

# stop STEP MESSAGE...: the rest depends on this step; say what happened and end
stop() {
	local step=$1; shift
	ko "$step" "$@"
	echo "---- handler log (last 25 lines of $LOGDIR/docker-extension.log)"
	vm_exec sh -c 'tail -n 25 "$1"/*.log 2>/dev/null' sh "$LOGDIR" | sed 's/^/    /' || true
	echo "---- not reached: everything after '$step'"
	exit 1
}

# ---- the VM -----------------------------------------------------------------------------
vm_up "$dir" || stop "testbed up" "see the messages above"
ok "testbed up in ${TB_T_UP}s (rootfs ${TB_T_ROOTFS}s, $([ "$TB_ROOTFS_CACHED" = yes ] && echo cached || echo cold build); boot ${TB_T_BOOT}s)"
VM_IP=$TB_VM_IP
if vm_exec sh -c 'command -v dockerd || dpkg-query -W -f="\${Status}" docker.io 2>/dev/null | grep -q "ok installed"' > /dev/null 2>&1; then
	stop "no Docker in the VM before the extension" "$(vm_exec sh -c 'command -v dockerd')"
fi
ok "no Docker in the VM before the extension"

# ---- certificates: the tenant's (protected settings) and Docker's TLS -----------------------
umask 077
# The tenant certificate waagent keeps as <THUMB>.crt/.prv in /var/lib/waagent.
tb_ossl "$work" req -x509 -newkey rsa:2048 -nodes -keyout "$work/tenant.key" -out "$work/tenant.pem" \
	-days 2 -subj "/DC=Windows Azure CRP Certificate Generator/CN=dxtb"
thumb=$(openssl x509 -in "$work/tenant.pem" -outform DER | sha1sum | cut -c1-40 | tr a-f A-F)
tb_ca "$work"
san="subjectAltName=IP:$VM_IP,IP:127.0.0.1,DNS:localhost"
tb_leaf "$work" server1 serverAuth "$san"
tb_leaf "$work" server2 serverAuth "$san"
tb_leaf "$work" client clientAuth
ok "certificates made: tenant (thumbprint ${thumb:0:8}...), CA, two server certificates for $VM_IP, a client"

# ---- the extension, laid out as waagent does --------------------------------------------------
stage=$work/stage
mkdir -p "$stage$EXT/bin" "$stage$EXT/plugins" "$stage$EXT/config" "$stage$EXT/status" \
	"$stage$LOGDIR/events"
if [ -n "${DX_EXTENSION_ZIP:-}" ]; then
	# The published package, unpacked the way waagent does it: zipfile
	# drops the modes, then u+x on every file.
	python3 -c 'import os, stat, sys, zipfile
zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])
for root, _, files in os.walk(sys.argv[2]):
    for f in files:
        p = os.path.join(root, f)
        os.chmod(p, os.stat(p).st_mode | stat.S_IXUSR)' "$DX_EXTENSION_ZIP" "$stage$EXT"
	ok "the extension package $(basename "$DX_EXTENSION_ZIP") unpacked as waagent does"
else
	cp "$handler" "$stage$EXT/bin/docker-extension"
	for so in "$build"/plugins/.libs/*.so; do cp "$so" "$stage$EXT/plugins/"; done
	cat > "$stage$EXT/HandlerManifest.json" <<'EOF'
[{"version": 1.0, "handlerManifest": {"installCommand": "bin/docker-extension install", "enableCommand": "bin/docker-extension enable", "disableCommand": "bin/docker-extension disable", "uninstallCommand": "bin/docker-extension uninstall", "updateCommand": "bin/docker-extension update", "rebootAfterInstall": false, "reportHeartbeat": false}}]
EOF
fi
cat > "$stage$EXT/HandlerEnvironment.json" <<EOF
[{"name": "$name", "version": 1.0, "handlerEnvironment": {"logFolder": "$LOGDIR", "configFolder": "$EXT/config", "statusFolder": "$EXT/status", "heartbeatFile": "$EXT/heartbeat.log", "eventsFolder": "$LOGDIR/events", "eventsFolder_preview": "$LOGDIR/events"}}]
EOF
{ printf 'Bag Attributes\n    localKeyID: 01 00 00 00\nsubject=/CN=dxtb\n'; cat "$work/tenant.pem"; } \
	> "$stage/var/lib/waagent/$thumb.crt"
{ printf 'Bag Attributes\n    localKeyID: 01 00 00 00\nKey Attributes: <No Attributes>\n'; cat "$work/tenant.key"; } \
	> "$stage/var/lib/waagent/$thumb.prv"
# The provisioning document waagent keeps (the password is not kept): the
# handler adds its admin user to the docker group.
cat > "$stage/var/lib/waagent/ovf-env.xml" <<'EOF'
<?xml version="1.0" encoding="utf-8"?>
<Environment xmlns="http://schemas.dmtf.org/ovf/environment/1" xmlns:oe="http://schemas.dmtf.org/ovf/environment/1" xmlns:wa="http://schemas.microsoft.com/windowsazure" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><wa:ProvisioningSection><wa:Version>1.0</wa:Version><LinuxProvisioningConfigurationSet xmlns="http://schemas.microsoft.com/windowsazure" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><ConfigurationSetType>LinuxProvisioningConfiguration</ConfigurationSetType><HostName>dxvm</HostName><UserName>azureuser</UserName><DisableSshPasswordAuthentication>true</DisableSshPasswordAuthentication></LinuxProvisioningConfigurationSet></wa:ProvisioningSection></Environment>
EOF
vm_exec useradd -m -s /bin/bash azureuser
# Modes as waagent leaves them and as the loader requires (root, not group/world writable).
chmod 700 "$stage/var/lib/waagent" "$stage$EXT/config" "$stage$EXT/status"
chmod 755 "$stage$EXT" "$stage$EXT/bin" "$stage$EXT/plugins" "$stage/var/log/azure" "$stage$LOGDIR" "$stage$LOGDIR/events"
chmod 755 "$stage$EXT/bin/docker-extension"
chmod 644 "$stage$EXT"/plugins/*.so "$stage$EXT"/*.json "$stage/var/lib/waagent/$thumb.crt"
chmod 600 "$stage/var/lib/waagent/$thumb.prv" "$stage/var/lib/waagent/ovf-env.xml"

# settings SEQ SERVER: N.settings with public settings and the certificates
# for SERVER, encrypted to the tenant certificate (3DES, as the platform does)
public=$(printf '{"docker": {"source": "distro", "port": 2376, "daemon": {"insecure-registries": ["%s"]}}}' "$TB_REGISTRY")
settings() {
	local seq=$1 srv=$2 b64
	b64=$({
		printf '{"certs": {"ca": "%s", "cert": "%s", "key": "%s"}}' \
			"$(base64 -w0 < "$work/ca.pem")" "$(base64 -w0 < "$work/$srv.pem")" \
			"$(base64 -w0 < "$work/$srv.key")"
	} | openssl cms -encrypt -binary -outform DER -des3 "$work/tenant.pem" | base64 -w0)
	printf '{"runtimeSettings": [{"handlerSettings": {"protectedSettingsCertThumbprint": "%s", "protectedSettings": "%s", "publicSettings": %s}}]}\n' \
		"$thumb" "$b64" "$public" > "$work/$seq.settings"
}
settings 0 server1
umask 022
# Only the ciphertext may be in the settings file.
if sed -n 2p "$work/server1.key" | grep -qF -e 'PRIVATE KEY' -f - "$work/0.settings"; then
	stop "settings: protected settings encrypted" "the key is readable in 0.settings"
fi
# The envelope opens with the tenant key, as the handler will open it.
if sed -n 's/.*"protectedSettings": "\([^"]*\)".*/\1/p' "$work/0.settings" | base64 -d |
	openssl cms -decrypt -inform DER -inkey "$work/tenant.key" -recip "$work/tenant.pem" 2>/dev/null |
	python3 -c 'import json,sys; d=json.load(sys.stdin)["certs"]; sys.exit(0 if set(d) == {"ca","cert","key"} else 1)'; then
	ok "settings: protected certificates encrypted to the tenant certificate (3DES CMS)"
else
	stop "settings: protected certificates encrypted" "the envelope does not decrypt to {certs: {ca, cert, key}}"
fi
cp "$work/0.settings" "$stage$EXT/config/0.settings"
printf '%s' '{"docker": {"source": "distro", "port": 2376}}' > "$stage$EXT/config/public.json"
printf '%s' '{"docker": {"prot": 2376}}' > "$stage$EXT/config/typo.json"
chmod 600 "$stage$EXT/config/0.settings"

tar --numeric-owner -C "$stage" -cf - . | vm_exec tar --numeric-owner -C / -xf - ||
	stop "copy the extension into the VM" "tar into the VM failed"
vm_exec chown -R 0:0 /var/lib/waagent "$LOGDIR"
bad=$(vm_exec find "$EXT" \( ! -uid 0 -o -perm /022 \) -printf '%m %u %p\n')
check "layout: $EXT owned by root, nothing group/world writable" "$([ -z "$bad" ]; echo $?)" "$bad"
missing=$(vm_exec ldd "$EXT/bin/docker-extension" "$EXT/plugins/debian.so" 2>&1 | grep 'not found' || true)
[ -z "$missing" ] || stop "layout: the handler's libraries are in the VM" "$missing"
ok "layout: the handler's libraries are in the VM (ldd)"
if out=$(vm_exec "$EXT/bin/docker-extension" --version 2>&1) && [[ $out == "docker-extension "* ]]; then
	ok "--version in the VM: $out"
else
	ko "--version in the VM" "$out"
fi
rc=0; out=$(vm_exec "$EXT/bin/docker-extension" validate "$EXT/config/typo.json" 2>&1) || rc=$?
if [ "$rc" = 2 ] && [[ $out == *"did you mean docker.port"* ]]; then
	ok "validate in the VM: a typo is a warning with a suggestion (exit 2)"
else
	ko "validate in the VM: typo" "exit $rc" "$out"
fi
rc=0; out=$(vm_exec "$EXT/bin/docker-extension" validate "$EXT/config/public.json" 2>&1) || rc=$?
if [ "$rc" = 1 ] && [[ $out == *"docker.port"* ]]; then
	ok "validate in the VM: a port without certificates is an error (exit 1)"
else
	ko "validate in the VM: port without certs" "exit $rc" "$out"
fi
if out=$(vm_exec "$EXT/bin/docker-extension" detect 2>&1) &&
	grep -qE '^distribution: +debian' <<<"$out" && grep -qF "plugin:       $EXT/plugins/debian.so" <<<"$out"; then
	ok "detect in the VM: debian, plugin loaded from $EXT/plugins/debian.so"
else
	stop "detect in the VM: Debian plugin loads" "$out"
fi

# ---- running the handler as waagent does -------------------------------------------------------
# run COMMAND SEQ: as waagent runs it (vm_handler); sets $rc and $out
run() {
	rc=0
	out=$(vm_handler "$EXT" 1.0.0 "$2" "$1") || rc=$?
}
# status SEQ: "<status>|<message>|<substatus...>" from N.status (empty if none yet)
status() {
	vm_exec cat "$EXT/status/$1.status" 2>/dev/null | python3 -c '
import json, sys
try:
    s = json.load(sys.stdin)[0]["status"]
except Exception:
    sys.exit(0)
subs = ["%s=%s: %s" % (x.get("name"), x.get("status"), x.get("formattedMessage", {}).get("message", ""))
        for x in s.get("substatus") or []]
print("|".join([s.get("status", ""), s.get("formattedMessage", {}).get("message", "")] + subs))' || true
}
# wait_terminal SEQ [SECONDS]: poll N.status until success or error; sets $st
wait_terminal() {
	local n=$(( ${2:-900} * 2 ))
	while [ "$n" -gt 0 ]; do
		st=$(status "$1")
		case "$st" in success\|* | error\|*) return 0 ;; esac
		sleep 0.5
		n=$((n - 1))
	done
	return 1
}
show_status() { tr '|' '\n' <<<"${st#*|}" | sed 's/^/  /'; }
dockerd_pid() { vm_exec systemctl show -p MainPID --value docker 2>/dev/null || echo none; }
invocation() { vm_exec systemctl show -p InvocationID --value docker 2>/dev/null || echo none; }
starts() { vm_exec journalctl -u docker --no-pager -o cat 2>/dev/null | grep -c '^Started docker.service' || true; }
ping_tls() { # cert-name|none -> prints the answer; fails when refused
	local a=(--cacert "$work/ca.pem")
	[ "$1" = none ] || a+=(--cert "$work/$1.pem" --key "$work/$1.key")
	curl -sS --max-time 5 "${a[@]}" "https://$VM_IP:2376/_ping" 2>&1
}
served_fp() { # the fingerprint of the certificate dockerd serves on 2376
	openssl s_client -connect "$VM_IP:2376" -CAfile "$work/ca.pem" \
		-cert "$work/client.pem" -key "$work/client.key" < /dev/null 2>/dev/null |
		openssl x509 -noout -fingerprint -sha256 2>/dev/null
}
fp() { openssl x509 -in "$work/$1.pem" -noout -fingerprint -sha256; }

# ---- install ------------------------------------------------------------------------------
t0=$(tb_now)
run install 0
[ "$rc" = 0 ] || stop "install" "install failed: exit $rc" "$out"
ok "install exits 0 ($(tb_secs "$t0")s)"

# ---- enable, seq 0 ----------------------------------------------------------------------
t0=$(tb_now)
run enable 0
[ "$rc" = 0 ] || stop "enable seq 0" "enable exited $rc" "$out"
ok "enable seq 0 returns ($(tb_secs "$t0")s); polling 0.status"
wait_terminal 0 900 || stop "enable seq 0" "no terminal status in 900 s (last: $st)"
t_enable0=$(tb_secs "$t0")
if [[ $st != success\|* ]]; then
	# The step that failed, in the words of the status (e.g. "install failed: not implemented").
	stop "enable seq 0: status success" "status after ${t_enable0}s: ${st%%|*}; message and substatus:" "$(show_status)"
fi
ok "enable seq 0: status success in ${t_enable0}s"

if [ "$(vm_exec dpkg-query -W -f='${Status}' docker.io 2>/dev/null)" = "install ok installed" ]; then
	ok "Docker installed by the plugin: docker.io $(vm_exec dpkg-query -W -f='${Version}' docker.io)"
else
	ko "Docker installed by the plugin (docker.io)" "$(vm_exec dpkg-query -W 'docker*' 2>&1 | head -n 5)"
fi
groups=$(vm_exec id -nG azureuser 2>&1) || true
check "the admin user from ovf-env.xml is in the docker group" \
	"$(grep -qw docker <<<"$groups"; echo $?)" "azureuser: $groups"
st_docker=$(vm_exec systemctl is-active docker 2>&1) || true
check "docker.service active" "$([ "$st_docker" = active ]; echo $?)" "$st_docker"
answer=
for _ in $(seq 20); do
	answer=$(ping_tls client) && [ "$answer" = OK ] && break
	sleep 0.5
done
check "TLS port: GET /_ping with the client certificate answers OK (https://$VM_IP:2376)" \
	"$([ "$answer" = OK ]; echo $?)" "$answer"
answer=$(ping_tls none) && rc=0 || rc=$?
check "TLS port: a client without a certificate is refused" \
	"$([ "$rc" != 0 ] && [ "$answer" != OK ]; echo $?)" "curl exit $rc: $answer"
if [ "$(served_fp)" = "$(fp server1)" ]; then ok "TLS port serves server certificate 1"; else ko "TLS port serves server certificate 1" "$(served_fp)"; fi
info=$(vm_exec docker info 2>&1 || true)
check "docker.daemon applied: $TB_REGISTRY is an insecure registry" \
	"$(grep -A5 'Insecure Registries:' <<<"$info" | grep -qF "$TB_REGISTRY"; echo $?)" \
	"$(grep -A5 'Insecure Registries:' <<<"$info")"

pid0=$(dockerd_pid) inv0=$(invocation) starts0=$(starts)

# ---- enable, seq 1, the same settings: nothing restarts ---------------------------------------
vm_exec cp -p "$EXT/config/0.settings" "$EXT/config/1.settings"
t0=$(tb_now)
run enable 1
wait_terminal 1 300 || true
check "enable seq 1 (same content): success in $(tb_secs "$t0")s" \
	"$([[ $rc == 0 && $st == success\|* ]]; echo $?)" "exit $rc" "$(show_status)" "$out"
pid1=$(dockerd_pid) inv1=$(invocation) starts1=$(starts)
check "enable seq 1: dockerd not restarted (MainPID $pid0, $starts0 start(s) in the journal)" \
	"$([ "$pid1" = "$pid0" ] && [ "$inv1" = "$inv0" ] && [ "$starts1" = "$starts0" ]; echo $?)" \
	"MainPID $pid0 -> $pid1, InvocationID changed: $([ "$inv1" = "$inv0" ] && echo no || echo yes), starts $starts0 -> $starts1"

# ---- enable, seq 2, only the server certificate changed: one restart ----------------------------
umask 077
settings 2 server2
umask 022
tar -C "$work" -cf - 2.settings | vm_exec tar -C "$EXT/config" -xf -
vm_exec chmod 600 "$EXT/config/2.settings"
t0=$(tb_now)
run enable 2
wait_terminal 2 600 || true
check "enable seq 2 (new server certificate): success in $(tb_secs "$t0")s" \
	"$([[ $rc == 0 && $st == success\|* ]]; echo $?)" "exit $rc" "$(show_status)" "$out"
pid2=$(dockerd_pid) inv2=$(invocation) starts2=$(starts)
check "enable seq 2: dockerd restarted exactly once (MainPID $pid1 -> $pid2, starts $starts1 -> $starts2)" \
	"$([ "$pid2" != "$pid1" ] && [ "$pid2" != 0 ] && [ "$inv2" != "$inv1" ] && [ "$starts2" = $((starts1 + 1)) ]; echo $?)"
answer=
for _ in $(seq 20); do
	answer=$(ping_tls client) && [ "$answer" = OK ] && break
	sleep 0.5
done
check "TLS port after the change answers OK" "$([ "$answer" = OK ]; echo $?)" "$answer"
if [ "$(served_fp)" = "$(fp server2)" ]; then ok "TLS port serves server certificate 2"; else ko "TLS port serves server certificate 2" "$(served_fp)"; fi

# ---- no secret anywhere it could be read ---------------------------------------------------------
secret_lines() { sed -n '2,4p' "$work/server1.key" "$work/server2.key" "$work/client.key"; }
leaks=$(secret_lines | vm_exec sh -c 'grep -rlF -f /dev/stdin "$@" 2>/dev/null' sh \
	"$EXT/status" "$LOGDIR" "$EXT/heartbeat.log" || true)
check "the TLS keys are in no status, log or event file" "$([ -z "$leaks" ]; echo $?)" "$leaks"

# ---- disable, uninstall -----------------------------------------------------------------------
run disable 2
check "disable exits 0" "$rc" "$out"
st_docker=$(vm_exec systemctl is-active docker 2>&1) || true
check "disable leaves Docker running" "$([ "$st_docker" = active ]; echo $?)" "$st_docker"
t0=$(tb_now)
run uninstall 2
check "uninstall exits 0 ($(tb_secs "$t0")s)" "$rc" "$out"
pkg=$(vm_exec dpkg-query -W -f='${Status}' docker.io 2>/dev/null || true)
check "uninstall removes the docker.io it installed" "$([ "$pkg" != "install ok installed" ]; echo $?)" "docker.io: $pkg"
answer=$(ping_tls client) && rc=0 || rc=$?
check "uninstall: nothing listens on 2376 any more" "$([ "$rc" != 0 ]; echo $?)" "$answer"

echo "timings: testbed up ${TB_T_UP}s (rootfs ${TB_T_ROOTFS}s $([ "$TB_ROOTFS_CACHED" = yes ] && echo cached || echo cold), boot ${TB_T_BOOT}s), first enable ${t_enable0}s, total $(tb_secs "$t_start")s"
summary
[ "$fail" -eq 0 ]
