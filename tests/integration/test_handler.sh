#!/bin/bash
# The built handler, driven the way waagent drives it: an extension
# directory with HandlerEnvironment.json, config/N.settings, status/, the
# ConfigSequenceNumber variable, commands run from the extension directory.
# A private Docker Engine (its own socket, no bridge, no iptables) answers
# the handler's health check.  The distribution plugin is the test's
# stand-in (tests/plugins/fake.c), which records every call: the real
# plugins change a VM and are tested on the systemd testbed.
#
# Every status file is checked against the contract (check_status).
set -u

build=$DX_TOP_BUILDDIR
work=$(mktemp -d "$build/tests/handler.XXXXXX")
chmod 755 "$work"
pass=0
fail=0
dockerd_pid=
run_dir=

cleanup() {
	if [ -n "$dockerd_pid" ]; then
		kill "$dockerd_pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$dockerd_pid" 2>/dev/null
	fi
	pkill -9 -f "$work/ext/" 2>/dev/null
	# Whatever dockerd left mounted under our directories, deepest first.
	awk '{print $2}' /proc/mounts | grep -E "^($work|${run_dir:-/nonexistent})/" |
		sort -r | xargs -r -n1 umount -l 2>/dev/null
	rm -rf "$work" "$run_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { pass=$((pass + 1)); echo "PASS $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; shift; for l in "$@"; do printf '    %s\n' "$l"; done; }
check() { # name, condition-exit-code, details...
	local name=$1 rc=$2; shift 2
	if [ "$rc" -eq 0 ]; then ok "$name"; else ko "$name" "$@"; fi
}

# ---- a private Docker Engine ---------------------------------------------------
dockerd_bin=$(command -v dockerd || true)
if [ -z "$dockerd_bin" ]; then
	echo "FAIL dockerd not found (scripts/setup-debian.sh installs docker.io)"
	echo "test_handler: 0 passed, 1 failed"
	exit 1
fi
# Sockets live in a short directory of our own: a unix socket path has at
# most 108 bytes, and the build tree can be deep (make distcheck).
run_dir=$(mktemp -d /tmp/dxh.XXXXXX)
mkdir -p "$work/docker"
"$dockerd_bin" --data-root "$work/docker/data" --exec-root "$run_dir/x" \
	-H "unix://$run_dir/sock" --pidfile "$run_dir/pid" \
	--bridge=none --iptables=false --ip6tables=false >"$work/docker/log" 2>&1 &
dockerd_pid=$!
export DOCKER_HOST="unix://$run_dir/sock"

# ---- the extension directory, as waagent lays it out ---------------------------
ext="$work/ext/Test.DockerExtension-1.0.0"
logdir="$work/log/Test.DockerExtension"
mkdir -p "$ext/bin" "$ext/plugins" "$ext/config" "$ext/status" "$logdir/events"
chmod 755 "$work/ext" "$ext" "$ext/bin" "$ext/plugins"
chmod 700 "$ext/config" "$ext/status"
cp "$build/docker-extension" "$ext/bin/docker-extension"
# The valgrind pass (DX_VALGRIND=yes): every handler process runs in
# memcheck, the detached worker too (a fork stays in valgrind), each with
# its own log; the end of the test requires every log to be empty.  The
# checks that a command returns "at once" allow valgrind's slowness.
slow=1
busy_ms=1500   # how long the stand-in plugin keeps a worker busy
vg=no
if [ "${DX_VALGRIND:-no}" = yes ] && [ -n "${VALGRIND:-}" ]; then
	vg=yes
	slow=15
	busy_ms=6000
	mkdir -p "$ext/libexec"
	chmod 755 "$ext/libexec"
	mv "$ext/bin/docker-extension" "$ext/libexec/docker-extension"
	cat > "$ext/bin/docker-extension" <<EOF
#!/bin/sh
exec "$VALGRIND" --quiet --error-exitcode=99 --leak-check=full \\
	--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \\
	--log-file="$work/vg.%p" "$ext/libexec/docker-extension" "\$@"
EOF
fi
chmod 755 "$ext/bin/docker-extension"
for name in ubuntu debian centos rhel coreos; do
	cp "$DX_TEST_PLUGIN_BUILDDIR/fake_$name.so" "$ext/plugins/$name.so"
	chmod 644 "$ext/plugins/$name.so"
done
cat > "$ext/HandlerEnvironment.json" <<EOF
[{"name": "Test.DockerExtension", "version": 1.0, "handlerEnvironment": {"logFolder": "$logdir", "configFolder": "$ext/config", "statusFolder": "$ext/status", "heartbeatFile": "$ext/heartbeat.log", "eventsFolder": "$logdir/events", "eventsFolder_preview": "$logdir/events"}}]
EOF
export DOCKER_EXTENSION_STATE_DIR="$work/state"
export DX_FAKE_LOG="$work/plugin-calls"
: > "$DX_FAKE_LOG"
log="$logdir/docker-extension.log"

settings() { # seq, public-settings-json
	printf '{"runtimeSettings": [{"handlerSettings": {"publicSettings": %s, "protectedSettings": null, "protectedSettingsCertThumbprint": null}}]}' "$2" \
		> "$ext/config/$1.settings"
}
# run COMMAND SEQ [VAR=VALUE...]: as waagent does (cwd, env); sets $rc, $out
run() {
	local cmd=$1 seq=$2; shift 2
	out=$(cd "$ext" && env ConfigSequenceNumber="$seq" \
		AZURE_GUEST_AGENT_EXTENSION_PATH="$ext" \
		AZURE_GUEST_AGENT_EXTENSION_VERSION=1.0.0 "$@" \
		"$ext/bin/docker-extension" "$cmd" 2>&1)
	rc=$?
}
# wait_terminal SEQ: until N.status is success or error (10 s); sets $st
wait_terminal() {
	local i
	for i in $(seq $((100 * slow))); do
		st=$("$build/tests/integration/check_status" "$ext/status/$1.status" 2>&1) || true
		case "$st" in success*|error*) return 0;; esac
		sleep 0.1
	done
	return 1
}
valid_status() { # seq -> sets $st; 0 when the file passes the contract check
	st=$("$build/tests/integration/check_status" "$ext/status/$1.status" 2>&1)
}
calls() { tr '\n' ' ' < "$DX_FAKE_LOG" | sed 's/ $//'; }
ms() { date +%s%3N; }

engine_up=0
for _ in $(seq 150); do
	curl -sf --unix-socket "$run_dir/sock" http://d/_ping >/dev/null 2>&1 && { engine_up=1; break; }
	sleep 0.1
done
if [ "$engine_up" != 1 ]; then
	echo "FAIL the private dockerd did not answer in 15 s; its log ends:"
	tail -n 15 "$work/docker/log" | sed 's/^/    /'
	echo "test_handler: 0 passed, 1 failed"
	exit 1
fi

# ---- install ----------------------------------------------------------------------
run install 0
check "install exits 0" $rc "exit $rc" "$out"
[ -f "$work/state/installed" ]; check "install records that it is installed" $?
[ "$(stat -c %a "$work/state")" = 700 ]; check "state directory is 0700" $? "$(stat -c %a "$work/state")"

# ---- enable, seq 0 ---------------------------------------------------------------
settings 0 '{"docker": {"options": ["--debug"]}}'
t0=$(ms); run enable 0; t1=$(ms)
check "enable exits 0" $rc "exit $rc" "$out"
[ $((t1 - t0)) -lt $((2000 * slow)) ]; check "enable returns at once ($((t1 - t0)) ms)" $?
wait_terminal 0; valid_status 0
check "seq 0: status valid and success" "$([[ $st == success* ]]; echo $?)" "$st"
check "seq 0: plugin called install, configure, restart" \
	"$([ "$(calls)" = "install configure restart" ]; echo $?)" "$(calls)"
grep -q "plugin: success" <<<"$st"; check "seq 0: substatus per step" $? "$st"
[ "$(cat "$ext/mrseq" 2>/dev/null)" = 0 ]; check "seq 0: mrseq written" $?

# ---- enable again, same seq: the fast no-op ----------------------------------------
: > "$DX_FAKE_LOG"
sleep 1.1   # so that a rewritten status has a newer timestamp
before=$(grep -o '"timestampUTC":"[^"]*"' "$ext/status/0.status")
t0=$(ms); run enable 0; t1=$(ms)
valid_status 0
check "re-enable same seq: success at once, no plugin call ($((t1 - t0)) ms)" \
	"$([[ $rc == 0 && $st == success* && -z $(calls) ]]; echo $?)" "rc=$rc calls='$(calls)'" "$st"
after=$(grep -o '"timestampUTC":"[^"]*"' "$ext/status/0.status")
check "re-enable same seq: a fresh status" "$([ "$before" != "$after" ]; echo $?)" "$before" "$after"
grep -q "unchanged" <<<"$st"; check "re-enable same seq: says nothing changed" $? "$st"

# ---- new seq, a daemon option changed: one configure and restart -----------------------
: > "$DX_FAKE_LOG"
settings 1 '{"docker": {"options": ["--debug", "--log-level=warn"]}}'
run enable 1; wait_terminal 1
check "seq 1 (daemon changed): success" "$([[ $st == success* ]]; echo $?)" "$st"
check "seq 1: install, configure, restart" \
	"$([ "$(calls)" = "install configure restart" ]; echo $?)" "$(calls)"

# ---- new seq, only docker.users changed: no daemon restart -------------------------------
: > "$DX_FAKE_LOG"
settings 2 '{"docker": {"options": ["--debug", "--log-level=warn"], "users": ["alice"]}}'
run enable 2; wait_terminal 2
check "seq 2 (users changed): success without restart" \
	"$([[ $st == success* && "$(calls)" == install ]]; echo $?)" "$st" "calls: $(calls)"

# ---- new seq, same content as the last: no plugin call ---------------------------------------
: > "$DX_FAKE_LOG"
cp "$ext/config/2.settings" "$ext/config/3.settings"
run enable 3; wait_terminal 3
check "seq 3 (same content): success, no plugin call" \
	"$([[ $rc == 0 && $st == success* && -z $(calls) ]]; echo $?)" "$st" "calls: $(calls)"
[ "$(cat "$ext/mrseq")" = 3 ]; check "seq 3: mrseq follows" $?

# ---- bad settings: error at once, nothing changed -----------------------------------------------
: > "$DX_FAKE_LOG"
bad_case() { # name, seq, settings-json, expected substring
	settings "$2" "$3"
	run enable "$2"
	valid_status "$2"
	if [[ $rc != 0 && $st == error* && $st == *"$4"* && -z $(calls) ]]; then
		ok "bad settings: $1"
	else
		ko "bad settings: $1" "rc=$rc calls='$(calls)'" "$st" "$out"
	fi
}
bad_case "port out of range" 10 '{"docker": {"port": 70000}}' "docker.port"
bad_case "port without certs" 11 '{"docker": {"port": 2376}}' "certs"
bad_case "hosts in docker.daemon" 12 '{"docker": {"daemon": {"hosts": ["tcp://0.0.0.0:2375"]}}}' "hosts"
bad_case "options not an array" 13 '{"docker": {"options": "-D"}}' "docker.options"
bad_case "non-string compose-environment" 14 '{"compose-environment": {"PORT": 80}}' "compose-environment.PORT"
bad_case "bad mirror URL" 15 '{"docker": {"mirror": "ftp://mirror"}}' "docker.mirror"
bad_case "unknown azure-environment" 16 '{"azure-environment": "Mars"}' "azure-environment"
printf 'not json' > "$ext/config/17.settings"
run enable 17; valid_status 17
check "bad settings: not JSON" "$([[ $rc != 0 && $st == error* ]]; echo $?)" "$st"
[ "$(cat "$ext/mrseq")" = 3 ]; check "bad settings leave mrseq alone" $?

# ---- protected settings, encrypted the way the platform does ------------------------------------
# The key pair where waagent keeps it (<configFolder>/../..), named by the
# certificate's SHA-1 thumbprint, each file with waagent's text preamble.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/k.pem" -out "$work/c.pem" \
	-days 2 -subj /CN=tenant 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/k2.pem" -out "$work/c2.pem" \
	-days 2 -subj /CN=other 2>/dev/null
thumb=$(openssl x509 -in "$work/c.pem" -outform DER | sha1sum | cut -c1-40 | tr a-f A-F)
{ printf 'Bag Attributes\n    localKeyID: 01 00 00 00\nsubject=/CN=tenant\n'; cat "$work/c.pem"; } > "$work/ext/$thumb.crt"
{ printf 'Bag Attributes\n    localKeyID: 01 00 00 00\nKey Attributes: <No Attributes>\n'; cat "$work/k.pem"; } > "$work/ext/$thumb.prv"
protected() { # seq public-json protected-json cipher [cert]
	local b64
	b64=$(printf '%s' "$3" | openssl cms -encrypt -binary -outform DER "-$4" "${5:-$work/c.pem}" | base64 -w0)
	printf '{"runtimeSettings": [{"handlerSettings": {"publicSettings": %s, "protectedSettings": "%s", "protectedSettingsCertThumbprint": "%s"}}]}' \
		"$2" "$b64" "$thumb" > "$ext/config/$1.settings"
}
secret=t0p-s3cr3t-v4lue
: > "$DX_FAKE_LOG"
protected 18 '{"docker": {"options": ["--debug"]}}' "{\"environment\": {\"DB_PASSWORD\": \"$secret\"}}" des3
run enable 18 DX_FAKE_ECHO="$secret"; wait_terminal 18
check "protected settings (3DES, as the platform sends): decrypted, success" \
	"$([[ $st == success* ]]; echo $?)" "$st" "$out"
grep -q "child says: \*\*\*" "$log"
check "a secret in a child's output is *** in the log" $? "$(grep 'child says' "$log")"
protected 19 '{"docker": {"options": ["--debug"]}}' "{\"environment\": {\"DB_PASSWORD\": \"$secret\"}}" aes256
run enable 19 DX_FAKE_ECHO="$secret"; wait_terminal 19
check "protected settings (AES-256, FIPS 140-3 VMs): success" "$([[ $st == success* ]]; echo $?)" "$st"
protected 20 '{}' "{\"environment\": {\"DB_PASSWORD\": \"$secret\"}}" aes256 "$work/c2.pem"
run enable 20; valid_status 20
check "protected settings for another certificate: error naming the cause" \
	"$([[ $rc != 0 && $st == error* && $st == *protectedSettings* ]]; echo $?)" "$st"
leaks=$(grep -rl -- "$secret" "$logdir" "$ext/status" "$ext/mrseq" 2>/dev/null)
check "the secret is nowhere in the log, status or events" "$([ -z "$leaks" ]; echo $?)" "$leaks"

# ---- missing settings file and empty settings file ---------------------------------------------
run enable 30; valid_status 30
check "missing settings file: error naming it" \
	"$([[ $rc != 0 && $st == error* && $st == *30.settings* ]]; echo $?)" "$st"
: > "$DX_FAKE_LOG"
: > "$ext/config/31.settings"
run enable 31; wait_terminal 31
check "empty settings file = no settings: success" "$([[ $st == success* ]]; echo $?)" "$st"
unset -f bad_case

# ---- concurrent enables --------------------------------------------------------------------------
: > "$DX_FAKE_LOG"
settings 40 '{"docker": {"options": ["--debug"]}}'
# Started with an extra descriptor open (fd 9), as a careless caller might.
t0=$(ms)
out=$(cd "$ext" && env ConfigSequenceNumber=40 DX_FAKE_SLEEP_MS=$busy_ms \
	"$ext/bin/docker-extension" enable 9>"$work/inherited" 2>&1)
t1=$(ms)
check "slow install: enable still returns at once ($((t1 - t0)) ms)" \
	"$([ $((t1 - t0)) -lt $((1000 * slow)) ]; echo $?)"
# The worker keeps nothing of enable's (waagent's output pipe or files):
# only /dev/null, the log (stdout, stderr and its own), the lock, and for a
# moment a state file it is writing or its own socket to the engine.
wpid=0
for _ in $(seq 50); do
	wpid=$(awk '$1 == 40 {print $2}' "$work/state/running" 2>/dev/null)
	[ "${wpid:-0}" -gt 1 ] && break
	sleep 0.02
done
# (Under valgrind, descriptors from 1024 up are valgrind's own.)
foreign=$(for f in /proc/"$wpid"/fd/*; do
	[ "$vg" = yes ] && [ "${f##*/}" -ge 1024 ] && continue
	t=$(readlink "$f"); case "$t" in
	""|/dev/null|"$log"|"$work"/state|"$work"/state/*|"$DX_FAKE_LOG"|socket:*) ;; *) echo "$f -> $t";; esac; done)
check "the worker holds no descriptor of enable's (pid $wpid)" \
	"$([[ -n $wpid && -z $foreign && $(readlink /proc/$wpid/fd/1) == "$log" && $(readlink /proc/$wpid/fd/3) == "$work/state/lock" ]]; echo $?)" "$foreign"
run enable 40 DX_FAKE_SLEEP_MS=$busy_ms
check "same seq while running: no second worker" \
	"$([[ $rc == 0 && $out == *"already in progress"* ]]; echo $?)" "$out"
settings 41 '{"docker": {"options": ["--debug", "--log-level=error"]}}'
run enable 41
wait_terminal 40; st40=$st
wait_terminal 41; st41=$st
sleep 0.5
check "newer seq waits, then applies: both terminal success" \
	"$([[ $st40 == success* && $st41 == success* ]]; echo $?)" "$st40" "$st41"
check "one install per worker, in order" \
	"$([ "$(calls)" = "install configure restart install configure restart" ]; echo $?)" "$(calls)"
[ "$(cat "$ext/mrseq")" = 41 ]; check "mrseq is the newer seq" $?

# ---- a killed worker, then a new enable ----------------------------------------------------------
: > "$DX_FAKE_LOG"
settings 50 '{"docker": {"options": ["--debug"]}}'
run enable 50 DX_FAKE_SLEEP_MS=60000
sleep 0.5
pkill -9 -f "$ext/(bin|libexec)/docker-extension enable"
sleep 0.3
valid_status 50
check "killed worker leaves a transitioning status" "$([[ $st == transitioning* ]]; echo $?)" "$st"
run enable 50
wait_terminal 50
check "a new enable after a killed worker succeeds (no stale lock)" \
	"$([[ $st == success* ]]; echo $?)" "$st" "$out"

# ---- a plugin step that fails ----------------------------------------------------------------------
: > "$DX_FAKE_LOG"
settings 51 '{"docker": {"options": ["--debug", "-D"]}}'
run enable 51 DX_FAKE_FAIL=restart
wait_terminal 51
check "failing restart: error status naming the step" \
	"$([[ $st == error* && $st == *"daemon: error"* ]]; echo $?)" "$st"
: > "$DX_FAKE_LOG"
run enable 51
wait_terminal 51
check "after a failure the same settings are applied again" \
	"$([[ $st == success* && "$(calls)" == "install configure restart" ]]; echo $?)" "$st" "$(calls)"

# ---- a definition compose refuses: an error naming compose (tests/integration/test_containers.sh
# has the real containers) --------------------------------------------------------------------------
settings 52 '{"docker": {"options": ["--debug", "-D"]}, "compose": {"web": {"image": "busybox", "ports": ["notaport"]}}}'
run enable 52; wait_terminal 52
check "compose refuses the definition: error naming compose" \
	"$([[ $st == error* && $st == *"compose"* && $st == *" 129 "* ]]; echo $?)" "$st"

# ---- a failed later step does not restart the daemon again --------------------------------------
: > "$DX_FAKE_LOG"
run enable 52; wait_terminal 52
check "compose still failing: no second daemon restart" \
	"$([[ $st == error* && "$(calls)" == install ]]; echo $?)" "$st" "calls: $(calls)"

# ---- a daemon that does not answer is restarted, and an error if it stays down ----------------------
: > "$DX_FAKE_LOG"
settings 55 '{"docker": {"options": ["--debug", "-D"]}}'
run enable 55; wait_terminal 55
: > "$DX_FAKE_LOG"
run enable 55 DOCKER_HOST="unix://$work/no-such.sock"
for _ in $(seq $((100 * slow))); do valid_status 55; [[ $st == error* ]] && break; sleep 0.1; done
check "engine down, settings unchanged: restarted, then an error naming it" \
	"$([[ $st == error* && $st == *"docker: error"* && "$(calls)" == "install configure restart" ]]; echo $?)" \
	"$st" "calls: $(calls)"

# ---- an update with the same sequence number while the old worker runs --------------------------------
: > "$DX_FAKE_LOG"
extB="$work/ext/Test.DockerExtension-1.1.0"
mkdir -p "$extB/config" "$extB/status"
chmod 755 "$extB"; chmod 700 "$extB/config" "$extB/status"
cp -r "$ext/bin" "$ext/plugins" "$extB/"
[ ! -d "$ext/libexec" ] || cp -r "$ext/libexec" "$extB/"
sed "s|$ext|$extB|g" "$ext/HandlerEnvironment.json" > "$extB/HandlerEnvironment.json"
settings 60 '{"docker": {"options": ["--debug"]}}'
cp "$ext/config/60.settings" "$extB/config/60.settings"
run enable 60 DX_FAKE_SLEEP_MS=$busy_ms
outB=$(cd "$extB" && env ConfigSequenceNumber=60 VERSION=1.1.0 AZURE_GUEST_AGENT_UPDATING_FROM_VERSION=1.0.0 "$extB/bin/docker-extension" update 2>&1)
outB=$(cd "$extB" && env ConfigSequenceNumber=60 "$extB/bin/docker-extension" enable 2>&1)
stB=$("$build/tests/integration/check_status" "$extB/status/60.status" 2>&1)
check "update, same seq, old worker busy: the new version reports transitioning" \
	"$([[ $outB != *"already in progress"* && $stB == transitioning* ]]; echo $?)" "$outB" "$stB"
for _ in $(seq $((100 * slow))); do stB=$("$build/tests/integration/check_status" "$extB/status/60.status" 2>&1); [[ $stB == success* || $stB == error* ]] && break; sleep 0.1; done
check "update, same seq: the new version's own worker ends in success" \
	"$([[ $stB == success* ]]; echo $?)" "$stB"
wait_terminal 60

# ---- uninstall stops a running worker -----------------------------------------------------------------------
: > "$DX_FAKE_LOG"
settings 61 '{"docker": {"options": ["--debug", "--log-level=info"]}}'
run enable 61 DX_FAKE_SLEEP_MS=60000
sleep 0.3
t0=$(ms); run uninstall 61; t1=$(ms)
sleep 0.3
check "uninstall stops the running worker and returns ($((t1 - t0)) ms)" \
	"$([[ $rc == 0 && $((t1 - t0)) -lt $((5000 * slow)) && $(calls) == uninstall ]] && ! pgrep -f "$ext/(bin|libexec)/docker-extension enable" >/dev/null; echo $?)" \
	"$out" "calls: $(calls)"
run install 61

# ---- the admin user from ovf-env.xml joins docker.users ------------------------------------------------
printf '<?xml version="1.0"?>\n<ns0:Environment xmlns:ns0="http://schemas.dmtf.org/ovf/environment/1"><ns1:ProvisioningSection><ns1:LinuxProvisioningConfigurationSet><ns1:UserName>azureuser</ns1:UserName></ns1:LinuxProvisioningConfigurationSet></ns1:ProvisioningSection></ns0:Environment>\n' \
	> "$work/ext/ovf-env.xml"
settings 62 '{"docker": {"users": ["alice", "azureuser"], "options": ["--debug", "--log-level=warn"]}}'
run enable 62 DX_FAKE_USERS="$work/users"; wait_terminal 62
check "the admin user of ovf-env.xml joins docker.users once" \
	"$([[ $st == success* && "$(cat "$work/users")" == "alice azureuser" ]]; echo $?)" "$st" "$(cat "$work/users" 2>&1)"
settings 63 '{"docker": {"users": ["bob"], "options": ["--debug", "--log-level=warn"]}}'
run enable 63 DX_FAKE_USERS="$work/users"; wait_terminal 63
check "docker.users plus the admin user" \
	"$([[ $st == success* && "$(cat "$work/users")" == "bob azureuser" ]]; echo $?)" "$st" "$(cat "$work/users" 2>&1)"
rm "$work/ext/ovf-env.xml"
settings 64 '{"docker": {"users": ["carol"], "options": ["--debug", "--log-level=warn"]}}'
run enable 64 DX_FAKE_USERS="$work/users"; wait_terminal 64
check "no ovf-env.xml: a warning in the log, success, docker.users only" \
	"$([[ $st == success* && "$(cat "$work/users")" == "carol" ]] && grep -q "no ovf-env.xml" "$log"; echo $?)" "$st" "$(cat "$work/users" 2>&1)"

# ---- stdout stays small -------------------------------------------------------------------------------
settings 65 '{"docker": {"options": ["--debug"]}}'
run enable 65
check "enable prints one short line" "$([ "$(printf '%s' "$out" | wc -l)" -le 1 ] && [ ${#out} -lt 300 ]; echo $?)" "$out"
wait_terminal 65

# ---- an older sequence number after a newer one was applied: not applied ---------------------------------
: > "$DX_FAKE_LOG"
settings 67 '{"docker": {"options": ["--debug", "--log-level=info"]}}'
run enable 67; wait_terminal 67
settings 66 '{"docker": {"options": ["--debug", "--log-level=warn"]}}'
run enable 66; wait_terminal 66
check "an older seq after a newer one was applied: error 237 naming the newer, nothing applied" \
	"$([[ $rc == 0 && $st == error* && $st == *"237"* && $st == *"sequence number 67"* && $(calls) == "install configure restart" ]]; echo $?)" \
	"$st" "calls: $(calls)"

# ---- an older number while a newer one waits for the busy worker: it does not take its place ----------
: > "$DX_FAKE_LOG"
settings 68 '{"docker": {"options": ["--debug", "--log-level=error"]}}'
run enable 68 DX_FAKE_SLEEP_MS=$busy_ms
settings 70 '{"docker": {"options": ["--debug", "--log-level=info"]}}'
run enable 70
settings 69 '{"docker": {"options": ["--debug", "--log-level=warn"]}}'
run enable 69; valid_status 69
st69=$st
wait_terminal 70; st70=$st
check "an older number while a newer one waits: 237 naming the newer at once; the newer applies" \
	"$([[ $st69 == error* && $st69 == *"237"* && $st69 == *"sequence number 70"* && $st70 == success* ]]; echo $?)" \
	"seq 69: $st69" "seq 70: $st70"

# ---- disable, update, uninstall ------------------------------------------------------------------------
run disable 54
valid_status 54
check "disable without a settings file: success" "$([[ $rc == 0 && $st == success* ]]; echo $?)" "rc=$rc $out" "$st"
run update 54 VERSION=1.1.0 AZURE_GUEST_AGENT_UPDATING_FROM_VERSION=1.0.0
check "update exits 0 and leaves the marker" "$([[ $rc == 0 && -f $work/state/updating ]]; echo $?)" "$out"
run uninstall 54
check "uninstall during an update keeps everything" \
	"$([[ $rc == 0 && -f $work/state/applied ]] && grep -q "during an update" "$log"; echo $?)" "$out"
run install 54
check "the new version's install clears the marker" "$([[ $rc == 0 && ! -f $work/state/updating ]]; echo $?)"
run uninstall 54
check "a real uninstall clears the state" "$([[ $rc == 0 && ! -f $work/state/applied && ! -f $work/state/installed ]]; echo $?)" "$out"
run uninstall 54
check "uninstall twice (half-installed state) still exits 0" "$([ $rc = 0 ]; echo $?)" "$out"

# ---- no HandlerEnvironment.json -----------------------------------------------------------------------
mv "$ext/HandlerEnvironment.json" "$work/he.json"
run enable 0
check "no HandlerEnvironment.json: non-zero exit naming it" \
	"$([[ $rc != 0 && $out == *HandlerEnvironment.json* ]]; echo $?)" "$out"
mv "$work/he.json" "$ext/HandlerEnvironment.json"

# ---- telemetry events ----------------------------------------------------------------------------------
ev_ok=1
n_ev=$(ls "$logdir/events" | grep -cE '^[0-9]+\.json$')
for f in "$logdir"/events/*.json; do
	python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); assert isinstance(e,list) and len(e)==1; e=e[0]; assert set(e)=={"Version","Timestamp","TaskName","EventLevel","Message","EventPid","EventTid","OperationId"}; assert all(isinstance(v,str) for v in e.values()); assert len(e["Message"])<=3072' "$f" 2>/dev/null || { ev_ok=0; echo "    bad event: $f"; cat "$f"; }
done
check "telemetry: $n_ev events, each in waagent's shape" "$([[ $ev_ok == 1 && $n_ev -ge 10 ]]; echo $?)"
grep -l '"TaskName":"daemon"' "$logdir"/events/*.json | xargs grep -l '"EventLevel":"Error"' >/dev/null
check "telemetry: the failed daemon step is an Error event" $?

# ---- the log ------------------------------------------------------------------------------------------------
grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z \[[0-9]+\] (INFO|WARN|ERROR): (enable|worker|install|daemon): ' "$log"
check "log lines carry UTC time, pid, level and step" $?
[ "$(stat -c %a "$log")" = 600 ]; check "log file is 0600" $? "$(stat -c %a "$log")"
ls "$ext/status" | grep -qv '\.status$'
check "no temp files left in the status folder" "$([ $? -ne 0 ]; echo $?)" "$(ls "$ext/status")"

# ---- valgrind's verdict on every handler process (the valgrind pass) -----------------------------------
if [ "$vg" = yes ]; then
	sleep 2   # the last detached workers finish and write their logs
	n_vg=$(ls "$work"/vg.* 2>/dev/null | wc -l)
	bad_vg=$(find "$work" -maxdepth 1 -name 'vg.*' -size +0 2>/dev/null)
	check "valgrind memcheck: $n_vg handler processes (workers included), no error, no leak" \
		"$([[ $n_vg -ge 20 && -z $bad_vg ]]; echo $?)" "$(for f in $bad_vg; do head -n 30 "$f"; done)"
fi

echo "test_handler: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
