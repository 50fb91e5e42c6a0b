#!/bin/bash
# End to end on the systemd testbed with the real client (issue #7):
# waagent's own extension-handling code (Debian's waagent package, driven
# by waagent_drive.py against a fake WireServer in the VM) installs the
# extension package from `make extension-zip`, writes HandlerEnvironment.json
# and the settings (protected settings encrypted by this test as the
# platform does, 3DES and AES-256), runs our commands and parses our status.
#
# Goal states: install+enable (seq 0) -> new settings (seq 1) -> the same
# seq again (no-op) -> update to a second package with a higher version ->
# faults, each followed by an enable that converges -> uninstall.  At each
# step: the status waagent uploaded is terminal and tells the truth, the
# TLS port answers only with the client certificate, the compose service
# answers over HTTP with the protected value, nothing restarts or is
# recreated when nothing changed.  A secret-leak scan runs all along.
#
#   DX_EXTENSION_ZIP=_build/x/docker-extension-0.1.0.zip bash tests/testbed/test_waagent.sh
#
# Exit 0 pass, 1 fail, 77 skipped (not root).
# shellcheck disable=SC2016 # sh -c scripts are single-quoted on purpose
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=vm.sh
. "$here/vm.sh"

pass=0 fail=0
declare -a T_NAMES=() T_SECS=()
ok() { pass=$((pass + 1)); echo "PASS $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; shift; local l; for l in "$@"; do printf '    %s\n' "$l"; done; }
check() { # name rc details...
	local name=$1 rc=$2; shift 2
	if [ "$rc" -eq 0 ]; then ok "$name"; else ko "$name" "$@"; fi
}
summarised=no
summary() { echo "test_waagent: $pass passed, $fail failed"; summarised=yes; }

if [ "$(id -u)" != 0 ]; then
	echo "SKIP test_waagent: needs root"
	exit 77
fi
zip=${DX_EXTENSION_ZIP:?set DX_EXTENSION_ZIP to the package from make extension-zip}
[ -f "$zip" ] || { echo "FAIL: $zip missing (make extension-zip)"; exit 1; }

t_start=$(tb_now)
dir=$(mktemp -d "${TMPDIR:-/tmp}/dxtb-wa.XXXXXX")
work=$(mktemp -d "${TMPDIR:-/tmp}/dxtb-wa-work.XXXXXX")   # keys and secrets: 0700
on_exit() {
	local rc=$?
	vm_down "$dir"
	rm -rf "$dir" "$work"
	[ "$rc" = 0 ] || [ "$summarised" = yes ] || summary
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

NAME=Microsoft.Azure.Extensions.DockerExtension
LOGDIR=/var/log/azure/$NAME
D=/root/dx                       # the test's own directory in the VM

stop() {
	local step=$1; shift
	ko "$step" "$@"
	echo "---- waagent.log (last 30 lines)"
	vm_exec tail -n 30 /var/log/waagent.log 2>/dev/null | sed 's/^/    /' || true
	echo "---- handler log (last 30 lines)"
	vm_exec sh -c 'tail -n 30 "$1"/docker-extension.log 2>/dev/null' sh "$LOGDIR" | sed 's/^/    /' || true
	echo "---- not reached: everything after '$step'"
	exit 1
}

# ---- the VM, the packages, the keys ---------------------------------------------------------
vm_up "$dir" || stop "testbed up" "see the messages above"
ok "testbed up in ${TB_T_UP}s (rootfs $([ "$TB_ROOTFS_CACHED" = yes ] && echo cached || echo "built in ${TB_T_ROOTFS}s"), boot ${TB_T_BOOT}s)"
VM_IP=$TB_VM_IP
vm_exec sh -c 'python3 -c "import azurelinuxagent.ga.exthandlers" && ! command -v dockerd' ||
	stop "the VM has waagent's code and no Docker"
ok "the VM has waagent $(vm_exec dpkg-query -W -f='${Version}' waagent) and no Docker"

umask 077
ossl() { openssl "$@" 2> "$work/openssl.err" || { cat "$work/openssl.err" >&2; return 1; }; }
# The VM's certificate the platform delivers in the goal state; protected
# settings are encrypted to it.
ossl req -x509 -newkey rsa:2048 -nodes -keyout "$work/tenant.key" -out "$work/tenant.pem" \
	-days 2 -subj "/DC=Windows Azure CRP Certificate Generator/CN=dxvm"
thumb=$(openssl x509 -in "$work/tenant.pem" -outform DER | sha1sum | cut -c1-40 | tr a-f A-F)
ossl req -x509 -newkey rsa:2048 -nodes -keyout "$work/ca.key" -out "$work/ca.pem" -days 2 \
	-subj /CN=dxtb-docker-ca -addext basicConstraints=critical,CA:TRUE \
	-addext keyUsage=critical,keyCertSign,cRLSign
leaf() { # name eku san
	ossl req -newkey rsa:2048 -nodes -keyout "$work/$1.key" -out "$work/$1.csr" -subj "/CN=$1"
	printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\n%s\n' \
		"$2" "$3" > "$work/$1.ext"
	ossl x509 -req -in "$work/$1.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" \
		-CAcreateserial -days 2 -extfile "$work/$1.ext" -out "$work/$1.pem"
}
leaf server serverAuth "subjectAltName=IP:$VM_IP,IP:127.0.0.1,DNS:localhost"
leaf client clientAuth ""
reg_pass=$(vm_registry_password)
secret1=s1-$(openssl rand -hex 12)
secret2=s2-$(openssl rand -hex 12)
# Every protected value, one per line: what the leak scan looks for; the
# last line is a canary the test plants itself, so that a scan that finds
# nothing is known to be able to find something.
canary=leakscan-canary-$(openssl rand -hex 8)
{ echo "$reg_pass"; echo "$secret1"; echo "$secret2"; sed -n '2,4p' "$work/server.key"; echo "$canary"; } > "$work/secrets"
canary_n=$(wc -l < "$work/secrets")
umask 022

# Two packages: the build under test as 1.0.0, and a second build of it
# with a higher version (a different file, so waagent sees another
# package) for the update.
cp "$zip" "$work/pkg-1.0.0.zip"
cp "$zip" "$work/pkg-1.1.0.zip"
python3 - "$work/pkg-1.1.0.zip" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "a") as z:
    z.writestr(zipfile.ZipInfo("BUILD", (1980, 1, 1, 0, 0, 0)), "second build, version 1.1.0\n")
PY
vm_exec mkdir -p -m 700 "$D"
for f in pkg-1.0.0.zip pkg-1.1.0.zip tenant.pem tenant.key secrets; do
	vm_cp_in "$work/$f" "$D/$f"
done
vm_cp_in "$here/waagent_drive.py" "$D/waagent_drive.py"
vm_cp_in "$here/leakscan.py" "$D/leakscan.py"
vm_exec sh -c "chown -R 0:0 $D && chmod 600 $D/secrets $D/tenant.key && touch $D/t0"

# The admin user waagent provisioned (ovf-env.xml): the handler adds it
# to the docker group.
vm_exec useradd -m -s /bin/bash azureuser
vm_exec sh -c 'cat > /var/lib/waagent/ovf-env.xml && chmod 600 /var/lib/waagent/ovf-env.xml' <<'EOF'
<?xml version="1.0" encoding="utf-8"?>
<Environment xmlns="http://schemas.dmtf.org/ovf/environment/1" xmlns:oe="http://schemas.dmtf.org/ovf/environment/1" xmlns:wa="http://schemas.microsoft.com/windowsazure" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><wa:ProvisioningSection><wa:Version>1.0</wa:Version><LinuxProvisioningConfigurationSet xmlns="http://schemas.microsoft.com/windowsazure" xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><ConfigurationSetType>LinuxProvisioningConfiguration</ConfigurationSetType><HostName>dxvm</HostName><UserName>azureuser</UserName><DisableSshPasswordAuthentication>true</DisableSshPasswordAuthentication></LinuxProvisioningConfigurationSet></wa:ProvisioningSection></Environment>
EOF

# The process sampler of the leak scan runs for the whole test; the canary
# goes into one process's command line and environment and into one file.
vm_exec sh -c "setsid python3 $D/leakscan.py sample --secrets $D/secrets --out $D/proc-hits --stop $D/stop-sampling </dev/null >/dev/null 2>&1 &"
sleep 0.3
vm_exec env DX_CANARY="$canary" sh -c 'sleep 1' "$canary"
vm_exec sh -c 'cat > /var/tmp/leakscan-canary' <<<"$canary"

# ---- settings -------------------------------------------------------------------------------
# $$ keeps compose from interpolating the secret into the command line:
# the shell inside the container expands it (README: protected values).
web_cmd='["sh", "-c", "mkdir -p /www && echo \"$$APP_SECRET\" > /www/index.html && exec httpd -f -p 8080 -h /www"]'
public_for() { # options-json image -> public settings
	printf '{"docker": {"source": "distro", "port": 2376, "options": %s, "daemon": {"insecure-registries": ["%s"]}}, "compose": {"web": {"image": "%s", "command": %s, "environment": ["APP_SECRET"], "ports": ["8080:8080"]}}}' \
		"$1" "$TB_REGISTRY" "$2" "$web_cmd"
}
PUBLIC=$(public_for '[]' "$TB_IMAGE")
protected_for() { # app-secret registry-password cipher -> base64 CMS envelope to the VM's certificate
	printf '{"certs": {"ca": "%s", "cert": "%s", "key": "%s"}, "login": {"server": "%s", "username": "%s", "password": "%s"}, "environment": {"APP_SECRET": "%s"}}' \
		"$(base64 -w0 < "$work/ca.pem")" "$(base64 -w0 < "$work/server.pem")" \
		"$(base64 -w0 < "$work/server.key")" "$TB_REGISTRY" "$TB_REG_USER" "$2" "$1" |
		openssl cms -encrypt -binary -outform DER "-$3" "$work/tenant.pem" | base64 -w0
}

# ---- one goal state through waagent -----------------------------------------------------------
incarnation=0
# goal STATE VERSION SEQ PUBLIC PROTECTED-B64 [TIMEOUT]: sets $gs_rc, $gs_status
# ("status|code|message|substatus..."), $gs_secs; the uploaded blob in $work/blob.N.json
goal() {
	local state=$1 version=$2 seq=$3 public=$4 prot=$5 timeout=${6:-600} t0
	incarnation=$((incarnation + 1))
	python3 -c '
import json, sys
a = sys.argv
json.dump({"incarnation": int(a[2]), "name": a[3], "version": a[4], "state": a[5],
           "packages": {"1.0.0": a[6] + "/pkg-1.0.0.zip", "1.1.0": a[6] + "/pkg-1.1.0.zip"},
           "seq": int(a[7]), "public": json.loads(a[8]), "protected": a[9] or None,
           "thumbprint": a[10], "vm_cert": a[6] + "/tenant.pem", "vm_key": a[6] + "/tenant.key"},
          open(a[1], "w"))' "$work/goal.json" "$incarnation" "$NAME" "$version" "$state" "$D" \
		"$seq" "$public" "$prot" "$thumb"
	vm_cp_in "$work/goal.json" "$D/goal.json"
	t0=$(tb_now)
	gs_rc=0
	echo "== goal state $incarnation: $state $version seq $seq" >> "$work/driver.err"
	# In the background and waited for, so that a TERM or Ctrl-C reaches
	# the trap at once (bash defers traps while a foreground child runs).
	vm_exec python3 "$D/waagent_drive.py" --goal "$D/goal.json" --out "$D/blob.json" \
		--timeout "$timeout" >> "$work/driver.out" 2>> "$work/driver.err" &
	wait $! || gs_rc=$?
	gs_secs=$(tb_secs "$t0")
	vm_exec cat "$D/blob.json" > "$work/blob.$incarnation.json" 2>/dev/null || true
	gs_status=$(python3 -c '
import json, sys
try:
    b = json.load(open(sys.argv[1]))
except Exception:
    print("none|||no status blob uploaded"); sys.exit(0)
for h in b.get("aggregateStatus", {}).get("handlerAggregateStatus", []):
    if h.get("handlerName") == sys.argv[2]:
        rs = h.get("runtimeSettingsStatus") or {}
        s = (rs.get("settingsStatus") or {}).get("status") or {}
        subs = ["%s=%s: %s" % (x.get("name"), x.get("status"), (x.get("formattedMessage") or {}).get("message", ""))
                for x in s.get("substatus") or []]
        print("|".join([str(s.get("status")), str(s.get("code")),
                        "v%s seq %s handler %s" % (h.get("handlerVersion"), rs.get("sequenceNumber"), h.get("status")),
                        (s.get("formattedMessage") or {}).get("message", "")] + subs))
        break
else:
    print("absent|||our handler is not in the status blob")' "$work/blob.$incarnation.json" "$NAME")
	T_NAMES+=("goal state $incarnation: $state $version seq $seq")
	T_SECS+=("$gs_secs")
}
show() { tr '|' '\n' <<<"$gs_status" | sed 's/^/  /'; }
is_success() { [[ $gs_rc == 0 && $gs_status == success\|* ]]; }
is_error() { [[ $gs_rc == 0 && $gs_status == error\|* ]]; }

dockerd_pid() { vm_exec systemctl show -p MainPID --value docker 2>/dev/null || echo none; }
web_id() { vm_exec docker ps -q --no-trunc --filter label=com.docker.compose.service=web 2>/dev/null || true; }
ping_tls() { # client|none -> prints the answer; fails when refused
	local a=(--cacert "$work/ca.pem")
	[ "$1" = none ] || a+=(--cert "$work/$1.pem" --key "$work/$1.key")
	curl -sS --max-time 5 "${a[@]}" "https://$VM_IP:2376/_ping" 2>&1
}
web_answer() { curl -s --max-time 5 "http://$VM_IP:8080/" 2>&1 || true; }
wait_for() { # seconds command... : until the command succeeds
	local n=$(($1 * 4)); shift
	while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.25; n=$((n - 1)); done
	return 1
}
tls_ok() { [ "$(ping_tls client)" = OK ]; }
web_says() { [ "$(web_answer)" = "$1" ]; }
# converged WHAT SECRET: TLS with the client certificate only, and the web
# service with the expected protected value
converged() {
	local what=$1 want=$2 answer
	wait_for 10 tls_ok || true
	answer=$(ping_tls client)
	check "$what: TLS port answers /_ping with the client certificate" "$([ "$answer" = OK ]; echo $?)" "$answer"
	answer=$(ping_tls none) && rc=0 || rc=$?
	check "$what: TLS port refuses a client without a certificate" \
		"$([ "$rc" != 0 ] && [ "$answer" != OK ]; echo $?)" "curl exit $rc: $answer"
	wait_for 10 web_says "$want" || true
	answer=$(web_answer)
	check "$what: the compose service answers with the protected value" \
		"$([ "$answer" = "$want" ]; echo $?)" "answer: ${answer:0:60}"
}

# ---- 1. install + enable, seq 0 (3DES) -----------------------------------------------------------
seq=0
goal enabled 1.0.0 $seq "$PUBLIC" "$(protected_for "$secret1" "$reg_pass" des3)" 900
is_success || stop "goal state 1 (install, enable seq 0): terminal success accepted by waagent" \
	"driver exit $gs_rc after ${gs_secs}s" "$(show)" "$(tail -n 5 "$work/driver.err")"
ok "goal state 1 (install, enable seq 0, 3DES): waagent parsed terminal success in ${gs_secs}s"
check "status names every step (settings, plugin, install, daemon, docker, login, compose, service web)" \
	"$(for s in settings= plugin= install= daemon= docker= login= compose= 'service web='; do [[ $gs_status == *"|$s"success* ]] || exit 1; done; echo 0)" "$(show)"
converged "seq 0" "$secret1"
pkg=$(vm_exec dpkg-query -W -f='${Status}' docker.io 2>/dev/null || true)
check "Docker installed by the extension (docker.io)" "$([ "$pkg" = "install ok installed" ]; echo $?)" "$pkg"
groups=$(vm_exec id -nG azureuser 2>&1) || true
check "the provisioned admin user is in the docker group" "$(grep -qw docker <<<"$groups"; echo $?)" "$groups"
pid0=$(dockerd_pid) web0=$(web_id)

# ---- 2. new settings, seq 1 (AES-256): the service is recreated, dockerd is not restarted ----------
seq=1
PROT1=$(protected_for "$secret2" "$reg_pass" aes256)
goal enabled 1.0.0 $seq "$PUBLIC" "$PROT1"
check "goal state 2 (enable seq 1, new protected value, AES-256): terminal success in ${gs_secs}s" \
	"$(is_success; echo $?)" "$(show)"
converged "seq 1" "$secret2"
pid1=$(dockerd_pid) web1=$(web_id)
check "seq 1: dockerd not restarted (MainPID $pid0)" "$([ "$pid1" = "$pid0" ]; echo $?)" "MainPID $pid0 -> $pid1"
check "seq 1: the web service was recreated for its new environment" \
	"$([ -n "$web1" ] && [ "$web1" != "$web0" ]; echo $?)" "container ${web0:0:12} -> ${web1:0:12}"

# ---- 3. a new goal state with the same seq: nothing happens --------------------------------------
goal enabled 1.0.0 $seq "$PUBLIC" "$PROT1"
check "goal state 3 (same seq 1 again): terminal success in ${gs_secs}s" "$(is_success; echo $?)" "$(show)"
pid2=$(dockerd_pid) web2=$(web_id)
check "same seq: dockerd not restarted, web container not recreated" \
	"$([ "$pid2" = "$pid1" ] && [ "$web2" = "$web1" ]; echo $?)" "MainPID $pid1 -> $pid2" "web ${web1:0:12} -> ${web2:0:12}"

# ---- 4. update to the second package, version 1.1.0 ----------------------------------------------
goal enabled 1.1.0 $seq "$PUBLIC" "$PROT1"
check "goal state 4 (update 1.0.0 -> 1.1.0): terminal success from 1.1.0 in ${gs_secs}s" \
	"$([[ $gs_status == success\|* && $gs_status == *"v1.1.0 seq 1"* ]]; echo $?)" "$(show)"
dirs=$(vm_exec sh -c 'ls -d /var/lib/waagent/'"$NAME"'-*' 2>&1)
check "waagent ran the update sequence: only the 1.1.0 directory is left" \
	"$([ "$dirs" = "/var/lib/waagent/$NAME-1.1.0" ]; echo $?)" "$dirs"
ops=$(vm_exec grep -hoE "\[$NAME-1\.[01]\.0\] (Executing command|Command): [^ ]+ ?[a-z]*" /var/log/waagent.log 2>/dev/null | tail -n 12 | tr '\n' ';')
pid3=$(dockerd_pid) web3=$(web_id)
check "update: Docker and the containers survived (dockerd MainPID $pid2, web ${web2:0:12})" \
	"$([ "$pid3" = "$pid2" ] && [ "$web3" = "$web2" ]; echo $?)" "MainPID $pid2 -> $pid3" "web ${web2:0:12} -> ${web3:0:12}" "$ops"
converged "after the update" "$secret2"

# ---- the leak scan, then uninstall ---------------------------------------------------------------
# real_hits: the hits that are not the canary's; canary_hits: the canary's
real_hits() { grep -v "secret #$canary_n\$" <<<"$1" | grep . || true; }
canary_hits() { grep -c "secret #$canary_n\$" <<<"$1" || true; }
leak_scan() { # label
	local hits host_hits
	hits=$(vm_exec python3 "$D/leakscan.py" files --secrets "$D/secrets" --since "$D/t0" \
		--exclude "$D/secrets" --exclude "$D/tenant.key" \
		--exclude "/var/lib/waagent/$thumb.prv" --exclude /var/lib/waagent/Certificates.pem \
		--exclude /var/lib/waagent/TransportPrivate.pem \
		--secret-file /etc/docker/key.pem --secret-file /root/.docker/config.json \
		2> "$work/leakscan.err") || true
	host_hits=$(grep -lF -f <(head -n $((canary_n - 1)) "$work/secrets") \
		"$work"/blob.*.json "$work/driver.out" "$work/driver.err" 2>/dev/null || true)
	check "$1: the canary planted in /var/tmp is found (the scan can find)" \
		"$([ "$(canary_hits "$hits")" -ge 1 ]; echo $?)" "$hits"
	check "$1: no protected value in any file changed on the VM, the journal, waagent's status blobs or output ($(cat "$work/leakscan.err"))" \
		"$([ -z "$(real_hits "$hits")" ] && [ -z "$host_hits" ]; echo $?)" "$(real_hits "$hits")" "$host_hits"
}
leak_scan "leak scan after the update"

goal uninstall 1.1.0 $seq "$PUBLIC" "$PROT1"
check "goal state 5 (uninstall): our handler is gone from waagent's status in ${gs_secs}s" \
	"$([[ $gs_rc == 0 && $gs_status == absent* ]]; echo $?)" "$(show)"
left=$(vm_exec sh -c 'ls -d /var/lib/waagent/'"$NAME"'-* 2>/dev/null; docker ps -aq 2>/dev/null; dpkg-query -W -f="\${Status}" docker.io 2>/dev/null | grep "ok installed"; ls /etc/systemd/system/docker.service.d 2>/dev/null' || true)
check "uninstall: handler directory, containers, docker.io and our drop-in all gone" "$([ -z "$left" ]; echo $?)" "$left"

vm_exec touch "$D/stop-sampling"
sleep 0.2
hits=$(vm_exec cat "$D/proc-hits" 2>/dev/null || true)
rounds=$(vm_exec cat "$D/proc-hits.rounds" 2>/dev/null || echo 0)
check "the canary was seen in a process's cmdline and environ (the sampler can find)" \
	"$(grep "secret #$canary_n\$" <<<"$hits" | grep -q /cmdline && grep "secret #$canary_n\$" <<<"$hits" | grep -q /environ; echo $?)" "$hits"
check "no protected value in /proc/*/cmdline or /proc/*/environ of non-container processes ($rounds samples every 20 ms)" \
	"$([ -z "$(real_hits "$hits")" ] && [ "$rounds" -gt 0 ]; echo $?)" "$(real_hits "$hits")"
leak_scan "final leak scan"

echo
printf '%-60s %8s\n' "step" "seconds"
for i in "${!T_NAMES[@]}"; do printf '%-60s %8s\n' "${T_NAMES[$i]}" "${T_SECS[$i]}"; done
echo "total $(tb_secs "$t_start")s"
summary
[ "$fail" -eq 0 ]
