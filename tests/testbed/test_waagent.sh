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
# shellcheck source=walib.sh
. "$here/walib.sh"

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

NAME=$WA_NAME
LOGDIR=/var/log/azure/$NAME
D=$WA_VM_DIR                     # the test's own directory in the VM

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
tb_ca "$work"
for srv in server server2; do
	tb_leaf "$work" "$srv" serverAuth "subjectAltName=IP:$VM_IP,IP:127.0.0.1,DNS:localhost"
done
tb_leaf "$work" client clientAuth
reg_pass=$(vm_registry_password)
secret1=s1-$(openssl rand -hex 12)
secret2=s2-$(openssl rand -hex 12)
# Every protected value, one per line: what the leak scan looks for; the
# last line is a canary the test plants itself, so that a scan that finds
# nothing is known to be able to find something.
canary=leakscan-canary-$(openssl rand -hex 8)
{ echo "$reg_pass"; echo "$secret1"; echo "$secret2"; sed -n '2,4p' "$work/server.key" "$work/server2.key"; echo "$canary"; } > "$work/secrets"
canary_n=$(wc -l < "$work/secrets")
umask 022

# Two packages: the build under test as 1.0.0, and a second build of it
# with a higher version (a different file, so waagent sees another
# package) for the update.  wa_init also makes the VM's certificate the
# platform delivers in the goal state (protected settings are encrypted
# to it) and puts waagent_drive.py in the VM.
cp "$zip" "$work/pkg-1.1.0.zip"
python3 - "$work/pkg-1.1.0.zip" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "a") as z:
    z.writestr(zipfile.ZipInfo("BUILD", (1980, 1, 1, 0, 0, 0)), "second build, version 1.1.0\n")
PY
wa_init "$work" "$zip" "$work/pkg-1.1.0.zip" || stop "the packages and the VM certificate in the VM"
thumb=$WA_THUMB
vm_cp_in "$work/secrets" "$D/secrets"
vm_cp_in "$here/leakscan.py" "$D/leakscan.py"
vm_exec sh -c "chmod 600 $D/secrets && touch $D/t0"

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
protected_for() { # app-secret registry-password cipher [server] -> base64 CMS envelope to the VM's certificate
	printf '{"certs": {"ca": "%s", "cert": "%s", "key": "%s"}, "login": {"server": "%s", "username": "%s", "password": "%s"}, "environment": {"APP_SECRET": "%s"}}' \
		"$(base64 -w0 < "$work/ca.pem")" "$(base64 -w0 < "$work/${4:-server}.pem")" \
		"$(base64 -w0 < "$work/${4:-server}.key")" "$TB_REGISTRY" "$TB_REG_USER" "$2" "$1" |
		wa_protect "$3"
}

# ---- one goal state through waagent (walib.sh) ---------------------------------------------------
# goal STATE VERSION SEQ PUBLIC PROTECTED-B64 [TIMEOUT]: wa_goal, timed for the summary table
goal() {
	wa_goal "$@"
	gs_rc=$WA_RC gs_status=$WA_STATUS gs_secs=$WA_SECS
	T_NAMES+=("goal state $WA_INCARNATION: $1 $2 seq $3")
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
# Another process holds the package manager's lock for the first 60 s
# (the scale-set case of the original's issue #60): the install waits,
# and says so in the status while it waits.
vm_exec sh -c "setsid python3 -c 'import fcntl, time; f = open(\"/var/lib/dpkg/lock-frontend\", \"w\"); fcntl.lockf(f, fcntl.LOCK_EX); time.sleep(60)' </dev/null >/dev/null 2>&1 &"
( for _ in $(seq 240); do
	if vm_exec sh -c 'cat /var/lib/waagent/*/status/0.status 2>/dev/null' | grep -q 'waiting for the package manager lock'; then
		touch "$work/lock-seen"; break
	fi
	sleep 0.25
done ) &
lock_watch=$!
seq=0
goal enabled 1.0.0 $seq "$PUBLIC" "$(protected_for "$secret1" "$reg_pass" des3)" 900
wait "$lock_watch" || true
check "the package manager lock held for 60 s: the status said the install waits for it, then went on" \
	"$([ -e "$work/lock-seen" ]; echo $?)"
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

# ---- 3b. only the server certificate changes: exactly one restart ------------------------------------
starts() { vm_exec journalctl -u docker --no-pager -o cat 2>/dev/null | grep -c '^Started docker.service' || true; }
served_fp() {
	openssl s_client -connect "$VM_IP:2376" -CAfile "$work/ca.pem" -cert "$work/client.pem" \
		-key "$work/client.key" < /dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256 2>/dev/null
}
starts0=$(starts)
seq=$((seq + 1))
PROT1=$(protected_for "$secret2" "$reg_pass" aes256 server2)
goal enabled 1.0.0 $seq "$PUBLIC" "$PROT1"
check "goal state (only the server certificate changed, seq $seq): terminal success in ${gs_secs}s" "$(is_success; echo $?)" "$(show)"
wait_for 10 tls_ok || true
pid2b=$(dockerd_pid) starts1=$(starts)
check "certificate-only change: dockerd restarted exactly once (starts $starts0 -> $starts1)" \
	"$([ "$pid2b" != "$pid2" ] && [ "$starts1" = $((starts0 + 1)) ]; echo $?)" "MainPID $pid2 -> $pid2b"
check "certificate-only change: the TLS port serves the new certificate" \
	"$([ "$(served_fp)" = "$(openssl x509 -in "$work/server2.pem" -noout -fingerprint -sha256)" ]; echo $?)" "$(served_fp)"
pid2=$pid2b web2=$(web_id)

# ---- 4. update to the second package, version 1.1.0 ----------------------------------------------
goal enabled 1.1.0 $seq "$PUBLIC" "$PROT1"
check "goal state 4 (update 1.0.0 -> 1.1.0): terminal success from 1.1.0 in ${gs_secs}s" \
	"$([[ $gs_status == success\|* && $gs_status == *"v1.1.0 seq $seq"* ]]; echo $?)" "$(show)"
dirs=$(vm_exec sh -c 'ls -d /var/lib/waagent/'"$NAME"'-*' 2>&1)
check "waagent ran the update sequence: only the 1.1.0 directory is left" \
	"$([ "$dirs" = "/var/lib/waagent/$NAME-1.1.0" ]; echo $?)" "$dirs"
ops=$(vm_exec grep -hoE "\[$NAME-1\.[01]\.0\] (Executing command|Command): [^ ]+ ?[a-z]*" /var/log/waagent.log 2>/dev/null | tail -n 12 | tr '\n' ';')
pid3=$(dockerd_pid) web3=$(web_id)
check "update: Docker and the containers survived (dockerd MainPID $pid2, web ${web2:0:12})" \
	"$([ "$pid3" = "$pid2" ] && [ "$web3" = "$web2" ]; echo $?)" "MainPID $pid2 -> $pid3" "web ${web2:0:12} -> ${web3:0:12}" "$ops"
converged "after the update" "$secret2"

# ---- faults: each ends in a terminal status that tells the truth, and the next enable converges ----
EXT=/var/lib/waagent/$NAME-1.1.0
# direct COMMAND SEQ: the handler run as waagent runs it (vm_handler),
# for the faults waagent cannot cause; sets $rc, $out
direct() {
	rc=0
	out=$(vm_handler "$EXT" 1.1.0 "$2" "$1") || rc=$?
}
# settings_file SEQ PUBLIC PROTECTED-B64: N.settings as waagent writes it
settings_file() {
	printf '{"runtimeSettings": [{"handlerSettings": {"protectedSettingsCertThumbprint": "%s", "protectedSettings": "%s", "publicSettings": %s}}]}\n' \
		"$thumb" "$3" "$2" | vm_exec sh -c "umask 077; cat > $EXT/config/$1.settings"
}
# vstatus SEQ: "status|code|message" of N.status in the VM ("none" when absent, "corrupt" when not JSON)
vstatus() {
	vm_exec cat "$EXT/status/$1.status" 2>/dev/null | python3 -c '
import json, sys
t = sys.stdin.read()
if not t:
    print("none"); sys.exit(0)
try:
    s = json.loads(t)[0]["status"]
except Exception:
    print("corrupt"); sys.exit(0)
print("|".join([s.get("status", ""), str(s.get("code")), (s.get("formattedMessage") or {}).get("message", "")]))'
}
wait_vstatus() { # seq seconds: until N.status is terminal; sets $vst
	local n=$(($2 * 4))
	while [ "$n" -gt 0 ]; do
		vst=$(vstatus "$1")
		case "$vst" in success\|* | error\|*) return 0 ;; esac
		sleep 0.25; n=$((n - 1))
	done
	return 1
}
# converge LABEL: the next goal state, with the good settings, succeeds and everything answers
converge() {
	seq=$((seq + 1))
	goal enabled 1.1.0 $seq "$PUBLIC" "$PROT1"
	check "$1: the next enable (seq $seq) converges: success in ${gs_secs}s" "$(is_success; echo $?)" "$(show)"
	converged "$1" "$secret2"
}

# dockerd refuses its options
seq=$((seq + 1))
goal enabled 1.1.0 $seq "$(public_for '["--no-such-option"]' "$TB_IMAGE")" "$PROT1" 300
check "fault: a docker.options dockerd refuses: error 135 from the daemon step with dockerd's own words, in ${gs_secs}s" \
	"$([[ $gs_status == error\|135\|* && $gs_status == *"daemon=error"* && $gs_status == *no-such-option* ]]; echo $?)" "$(show)"
converge "after a bad docker.options"

# a wrong registry password
seq=$((seq + 1))
goal enabled 1.1.0 $seq "$PUBLIC" "$(protected_for "$secret2" "wrong-$(openssl rand -hex 4)" aes256)" 300
check "fault: a wrong registry password: error 127 naming the registry, in ${gs_secs}s" \
	"$([[ $gs_status == error\|127\|* && $gs_status == *"$TB_REGISTRY"* ]]; echo $?)" "$(show)"
converge "after a wrong password"

# an image that is not in the registry
seq=$((seq + 1))
goal enabled 1.1.0 $seq "$(public_for '[]' "$TB_REGISTRY/dxtb/missing:1")" "$PROT1" 300
check "fault: a missing image: error 131, in ${gs_secs}s" \
	"$([[ $gs_status == error\|131\|* ]]; echo $?)" "$(show)"
converge "after a missing image"

# the registry down while a new image must come from it
image2=${TB_IMAGE%:*}:2
tb_docker tag "$TB_IMAGE" "$image2" && tb_docker push "$image2" > /dev/null 2>&1 || stop "push $image2"
kill "$TB_REGISTRY_PID" 2>/dev/null || true
seq=$((seq + 1))
goal enabled 1.1.0 $seq "$(public_for '[]' "$image2")" "$PROT1" 300
check "fault: the registry down: error 228 after the bounded retries, in ${gs_secs}s" \
	"$([[ $gs_status == error\|228\|* ]]; echo $?)" "$(show)"
setsid docker-registry serve "$TB_DIR/registry/config.yml" < /dev/null >> "$TB_DIR/registry/log" 2>&1 &
tb_state_set TB_REGISTRY_PID $!
wait_for 10 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' http://$TB_REGISTRY/v2/)\" = 401 ]" ||
	stop "the registry restarted"
converge "after the registry came back"

# a settings file cut short (waagent died while writing it)
seq=$((seq + 1))
settings_file $seq "$PUBLIC" "$PROT1"
vm_exec sh -c "f=$EXT/config/$seq.settings; head -c \$((\$(wc -c < \$f) / 2)) \$f > \$f.cut && mv \$f.cut \$f"
pid_before=$(dockerd_pid) web_before=$(web_id)
direct enable $seq
wait_vstatus $seq 30 || true
check "fault: a truncated settings file: error naming the settings file, nothing changed" \
	"$([[ $vst == error\|* && $vst == *"$seq.settings"* && $(dockerd_pid) == "$pid_before" && $(web_id) == "$web_before" ]]; echo $?)" "exit $rc: $out" "$vst"
converge "after a truncated settings file"

# two enables at the same moment
seq=$((seq + 2))
settings_file $((seq - 1)) "$PUBLIC" "$(protected_for "$secret1" "$reg_pass" aes256)"
settings_file $seq "$PUBLIC" "$PROT1"
direct enable $((seq - 1)) & p1=$!
direct enable $seq & p2=$!
wait $p1 && wait $p2 || true
wait_vstatus $seq 120 || true
st_new=$vst
wait_vstatus $((seq - 1)) 5 || true
check "fault: two enables at once: both terminal, the newer one success" \
	"$([[ $st_new == success\|* && ( $vst == success\|* || $vst == error\|* ) ]]; echo $?)" "seq $seq: $st_new" "seq $((seq - 1)): $vst"
wait_for 20 web_says "$secret2" || true
check "two enables at once: the newer settings won" "$([ "$(web_answer)" = "$secret2" ]; echo $?)" "$(web_answer)"
converge "after two enables at once"

# the status folder full
seq=$((seq + 1))
settings_file $seq "$(public_for '["--log-level=warn"]' "$TB_IMAGE")" "$PROT1"
vm_exec sh -c "mount -t tmpfs -o size=64k tmpfs $EXT/status && dd if=/dev/zero of=$EXT/status/filler bs=4k count=100 2>/dev/null; true"
direct enable $seq
sleep 3
bad=$(vm_exec sh -c "for f in $EXT/status/*.status; do [ -e \"\$f\" ] || continue; python3 -c 'import json,sys; json.load(open(sys.argv[1]))' \"\$f\" 2>/dev/null || echo \"\$f\"; done")
check "fault: the status folder full: enable exits 0 and leaves no corrupt status file" \
	"$([[ $rc == 0 && -z $bad ]]; echo $?)" "exit $rc: $out" "$bad"
vm_exec umount "$EXT/status"
converge "after the status folder was full"

# the worker killed with SIGKILL at random points, 20 times
kills=0
for i in $(seq 20); do
	seq=$((seq + 1))
	if [ $((i % 2)) = 1 ]; then
		settings_file $seq "$PUBLIC" "$(protected_for "$secret1" "$reg_pass" aes256)"
	else
		settings_file $seq "$PUBLIC" "$PROT1"
	fi
	direct enable $seq
	sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
	# The handler runs as .../lib/ld-linux... .../libexec/docker-extension (the package's launcher)
	if vm_exec pkill -9 -f "$EXT/libexec/docker-extension" 2>/dev/null; then kills=$((kills + 1)); fi
	sleep 0.1
done
check "fault: 20 enables, the worker killed with SIGKILL at a random point ($kills of them still running)" \
	"$([ "$kills" -ge 10 ]; echo $?)"
converge "after 20 killed workers"

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

# ---- the apt mirror unreachable: a reinstall ends in a true error, then converges ------------
# Waagent installs the package again (the uninstall removed it), the plugin
# must install Docker again, and the VM's archive does not answer.  The
# plugins' retry bound is 15 minutes; DOCKER_EXTENSION_RETRY_LIMIT_S=20,
# passed through waagent's environment, makes it 20 s.
vm_exec sh -c "cp /etc/apt/sources.list.d/debian.sources $D/debian.sources &&
	sed -i 's|^URIs: .*|URIs: http://$TB_GW:9/debian|' /etc/apt/sources.list.d/debian.sources &&
	rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb"
seq=$((seq + 1))
WA_DRIVER_ENV=DOCKER_EXTENSION_RETRY_LIMIT_S=20
goal enabled 1.1.0 $seq "$PUBLIC" "$PROT1" 300
WA_DRIVER_ENV=
check "fault: the apt mirror unreachable: error from the install step naming apt, in ${gs_secs}s" \
	"$([[ $gs_status == error\|* && $gs_status == *"install=error"* && $gs_status == *apt-get* ]]; echo $?)" "$(show)"
vm_exec cp "$D/debian.sources" /etc/apt/sources.list.d/debian.sources
converge "the mirror reachable again (Docker installed again)"

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
