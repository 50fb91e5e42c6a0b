#!/bin/bash
# Registry login and compose, end to end with real parts: a private Docker
# Engine, a private registry with a password (distribution's registry
# behind htpasswd), a busybox image built from nothing and pushed there,
# Debian's docker-compose, and the built handler driven the way waagent
# drives it with encrypted protected settings.  The distribution plugin
# is the stand-in (tests/plugins/fake.c): Docker is already there.
#
# What a user sees is checked: the status per service, the protected value
# served over HTTP from inside the container and nowhere on disk or in
# logs, the same containers after a re-enable, removed services gone, a
# wrong password, a missing image and a crash loop each with their code.
set -u

build=$DX_TOP_BUILDDIR
work=$(mktemp -d "$build/tests/containers.XXXXXX")
chmod 755 "$work"
pass=0
fail=0
dockerd_pid=
registry_pid=
run_dir=

cleanup() {
	if [ -n "$dockerd_pid" ] && [ -S "$run_dir/sock" ]; then
		# containers first, so that dockerd stops without waiting
		DOCKER_HOST="unix://$run_dir/sock" docker ps -aq 2>/dev/null |
			xargs -r env DOCKER_HOST="unix://$run_dir/sock" docker rm -f >/dev/null 2>&1
	fi
	for pid in $dockerd_pid $registry_pid; do
		kill "$pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null
	done
	pkill -9 -f "$work/ext/" 2>/dev/null
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
skip_all() { echo "SKIP: $1"; exit 77; }
die() { echo "FAIL $1"; shift; for l in "$@"; do printf '    %s\n' "$l"; done
	echo "test_containers: $pass passed, $((fail + 1)) failed"; exit 1; }

for tool in dockerd docker docker-compose docker-registry htpasswd openssl curl; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found (scripts/setup-debian.sh installs it)"
done
# busybox-static's binary runs in an image that has nothing else
busybox=/bin/busybox
[ -x "$busybox" ] && ! ldd "$busybox" >/dev/null 2>&1 ||
	die "a static /bin/busybox not found (scripts/setup-debian.sh installs busybox-static)"

# ---- a private Docker Engine, with its own address pool ---------------------------------
# Sockets live in a short directory: a unix socket path has at most 108 bytes.
run_dir=$(mktemp -d /tmp/dxc.XXXXXX)
mkdir -p "$work/docker"
# Compose creates a network per project; its subnet comes from a pool of
# this test's own so that it cannot collide with another engine here.
pool=$((200 + RANDOM % 50))
dockerd --data-root "$work/docker/data" --exec-root "$run_dir/x" \
	-H "unix://$run_dir/sock" --pidfile "$run_dir/pid" \
	--bridge=none --iptables=false --ip6tables=false \
	--default-address-pool "base=10.$pool.0.0/16,size=24" \
	>"$work/docker/log" 2>&1 &
dockerd_pid=$!
export DOCKER_HOST="unix://$run_dir/sock"
export DOCKER_CONFIG="$work/docker-config"
mkdir -p "$DOCKER_CONFIG"; chmod 700 "$DOCKER_CONFIG"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ---- a registry with a password -------------------------------------------------------------
reg_port=$(free_port)
registry="127.0.0.1:$reg_port"
reg_user=deployer
reg_pass=$(openssl rand -hex 12)
mkdir -p "$work/registry/data"
htpasswd -Bbn "$reg_user" "$reg_pass" > "$work/registry/htpasswd" 2>/dev/null
cat > "$work/registry/config.yml" <<EOF
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $work/registry/data}}
http: {addr: $registry}
auth: {htpasswd: {realm: test, path: $work/registry/htpasswd}}
EOF
docker-registry serve "$work/registry/config.yml" >"$work/registry/log" 2>&1 &
registry_pid=$!

for _ in $(seq 150); do
	curl -sf --unix-socket "$run_dir/sock" http://d/_ping >/dev/null 2>&1 && break
	sleep 0.1
done
curl -sf --unix-socket "$run_dir/sock" http://d/_ping >/dev/null 2>&1 ||
	die "the private dockerd did not answer in 15 s" "$(tail -n 5 "$work/docker/log")"
for _ in $(seq 100); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://$registry/v2/")" = 401 ] && break
	sleep 0.1
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://$registry/v2/")" = 401 ]
check "the registry asks for a password" $? "$(tail -n 5 "$work/registry/log")"

# ---- busybox, built from nothing, pushed, then removed locally ---------------------------------
mkdir -p "$work/image"
cp "$busybox" "$work/image/busybox"
printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n' \
	> "$work/image/Dockerfile"
image="$registry/dx/busybox:1"
DOCKER_BUILDKIT=0 docker build -q --network none -t "$image" "$work/image" >"$work/image/log" 2>&1 ||
	die "could not build the busybox image" "$(tail -n 5 "$work/image/log")"
printf '%s' "$reg_pass" | docker login -u "$reg_user" --password-stdin "$registry" >/dev/null 2>&1 &&
	docker push -q "$image" >/dev/null 2>&1 && docker logout "$registry" >/dev/null 2>&1 &&
	docker rmi "$image" >/dev/null 2>&1
check "image pushed to the registry and removed locally" $?

# ---- the extension directory, as waagent lays it out ---------------------------------------------
ext="$work/ext/Test.DockerExtension-1.0.0"
logdir="$work/log/Test.DockerExtension"
mkdir -p "$ext/bin" "$ext/plugins" "$ext/config" "$ext/status" "$logdir/events"
chmod 755 "$work/ext" "$ext" "$ext/bin" "$ext/plugins"
chmod 700 "$ext/config" "$ext/status"
cp "$build/docker-extension" "$ext/bin/docker-extension"
for name in ubuntu debian centos rhel coreos; do
	cp "$DX_TEST_PLUGIN_BUILDDIR/fake_$name.so" "$ext/plugins/$name.so"
	chmod 644 "$ext/plugins/$name.so"
done
cat > "$ext/HandlerEnvironment.json" <<EOF
[{"name": "Test.DockerExtension", "version": 1.0, "handlerEnvironment": {"logFolder": "$logdir", "configFolder": "$ext/config", "statusFolder": "$ext/status", "heartbeatFile": "$ext/heartbeat.log", "eventsFolder": "$logdir/events"}}]
EOF
export DOCKER_EXTENSION_STATE_DIR="$work/state"
export DOCKER_EXTENSION_COMPOSE_DIR="$work/compose"
export DX_FAKE_LOG="$work/plugin-calls"
log="$logdir/docker-extension.log"

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/k.pem" -out "$work/c.pem" \
	-days 2 -subj /CN=tenant 2>/dev/null
thumb=$(openssl x509 -in "$work/c.pem" -outform DER | sha1sum | cut -c1-40 | tr a-f A-F)
{ printf 'Bag Attributes\n    localKeyID: 01 00 00 00\n'; cat "$work/c.pem"; } > "$work/ext/$thumb.crt"
{ printf 'Bag Attributes\n    localKeyID: 01 00 00 00\n'; cat "$work/k.pem"; } > "$work/ext/$thumb.prv"
chmod 600 "$work/ext/$thumb.prv"
settings() { # seq public-json protected-json [cipher]
	local b64
	b64=$(printf '%s' "$3" | openssl cms -encrypt -binary -outform DER "-${4:-des3}" "$work/c.pem" | base64 -w0)
	printf '{"runtimeSettings": [{"handlerSettings": {"publicSettings": %s, "protectedSettings": "%s", "protectedSettingsCertThumbprint": "%s"}}]}' \
		"$2" "$b64" "$thumb" > "$ext/config/$1.settings"
}
run() { # COMMAND SEQ: as waagent does (cwd, env); sets $rc, $out
	out=$(cd "$ext" && env ConfigSequenceNumber="$2" AZURE_GUEST_AGENT_EXTENSION_PATH="$ext" \
		AZURE_GUEST_AGENT_EXTENSION_VERSION=1.0.0 "$ext/bin/docker-extension" "$1" 2>&1)
	rc=$?
}
# until N.status is terminal (up to 180 s: pulls and the settle window); sets $st
wait_terminal() {
	local i
	for i in $(seq 1800); do
		st=$("$build/tests/integration/check_status" "$ext/status/$1.status" 2>&1) || true
		case "$st" in success*|error*) return 0;; esac
		sleep 0.1
	done
	return 1
}
enable() { run enable "$1"; wait_terminal "$1"; }
ids() { docker ps -aq --no-trunc --filter "label=com.docker.compose.project=$1" | sort | tr '\n' ' '; }
compose_runs() { grep -c "run: .*docker-compose .* up " "$log" 2>/dev/null || true; }

secret=$(openssl rand -hex 16)
web_port=$(free_port)
# $$ keeps compose from interpolating the secret into the command line:
# the shell inside the container expands it (README: protected values).
web_cmd='["sh", "-c", "mkdir -p /www && echo \"$$APP_SECRET\" > /www/index.html && exec httpd -f -p 8080 -h /www"]'
v1_compose="{\"web\": {\"image\": \"$image\", \"command\": $web_cmd, \"environment\": [\"APP_SECRET\"], \"ports\": [\"127.0.0.1:$web_port:8080\"]}, \"worker\": {\"image\": \"$image\", \"command\": [\"sleep\", \"3600\"], \"net\": \"none\"}}"
protected_ok="{\"environment\": {\"APP_SECRET\": \"$secret\"}, \"login\": {\"server\": \"$registry\", \"username\": \"$reg_user\", \"password\": \"$reg_pass\", \"email\": \"x@example.com\"}}"

run install 0
check "install exits 0" $rc "$out"

# ---- the v1 form: login, pull a private image, two services --------------------------------------
settings 0 "{\"compose\": $v1_compose}" "$protected_ok"
enable 0
check "v1 form: success" "$([[ $st == success* ]]; echo $?)" "$st" "$(tail -n 20 "$log")"
check "v1 form: login, compose, one substatus per service" \
	"$([[ $st == *"login: success"* && $st == *"compose: success"* && $st == *"service web: success 0 running"* && $st == *"service worker: success 0 running"* ]]; echo $?)" "$st"
check "v1 form: the compose tool is named in the status" \
	"$([[ $st == *"docker-compose 1."* ]]; echo $?)" "$st"
served=$(curl -s --max-time 5 "http://127.0.0.1:$web_port/")
check "the protected value reaches the container (served over HTTP)" \
	"$([ "$served" = "$secret" ]; echo $?)" "served: ${served:0:40}"
check "the protected value went to compose in --env-file, a file gone after the run" \
	"$(grep -q 'run: .*docker-compose --env-file .*/docker-compose.env -p ' "$log" && [ ! -e "$work/compose/docker-compose.env" ]; echo $?)" \
	"$(grep -m1 'run: .*docker-compose' "$log")" "$(ls -l "$work/compose")"
cfile="$work/compose/docker-compose.yml"
check "compose file written 0600 in the modern form" \
	"$([ "$(stat -c %a "$cfile")" = 600 ] && grep -q '"services":{"web"' "$cfile" && grep -q '"network_mode":"none"' "$cfile"; echo $?)" \
	"$(stat -c %a "$cfile" 2>&1)" "$(head -c 200 "$cfile")"
ids0=$(ids compose)
check "two containers in project compose" "$([ "$(echo $ids0 | wc -w)" = 2 ]; echo $?)" "$ids0"
inspect_env=$(docker inspect -f '{{.Config.Cmd}}' $ids0 2>&1)
check "the protected value is not in any container's command line" \
	"$([[ $inspect_env != *"$secret"* ]]; echo $?)"

# ---- re-enable with the same settings: no compose run, same containers ------------------------
runs_before=$(compose_runs)
settings 1 "{\"compose\": $v1_compose}" "$protected_ok" aes256
t0=$(date +%s%3N); enable 1; t1=$(date +%s%3N)
check "re-enable, same settings: success ($((t1 - t0)) ms)" "$([[ $st == success* ]]; echo $?)" "$st"
check "re-enable: compose not run, same container IDs" \
	"$([ "$(compose_runs)" = "$runs_before" ] && [ "$(ids compose)" = "$ids0" ]; echo $?)" \
	"compose up runs: $runs_before -> $(compose_runs)" "$ids0" "$(ids compose)"

# ---- a container that died is brought back by the next enable --------------------------------
web_id=$(docker ps -q --filter label=com.docker.compose.service=web)
docker stop -t 1 "$web_id" >/dev/null
settings 2 "{\"compose\": $v1_compose}" "$protected_ok"
enable 2
check "a stopped service is started again by the next enable" \
	"$([[ $st == success* ]] && [ "$(curl -s --max-time 5 "http://127.0.0.1:$web_port/")" = "$secret" ]; echo $?)" "$st"

# ---- the modern form, with one service removed --------------------------------------------------
modern="{\"services\": {\"web\": {\"image\": \"$image\", \"command\": $web_cmd, \"environment\": [\"APP_SECRET\"], \"ports\": [\"127.0.0.1:$web_port:8080\"]}}}"
settings 3 "{\"compose\": $modern}" "$protected_ok"
enable 3
check "modern form: success, web only" \
	"$([[ $st == success* && $st == *"service web: success"* && $st != *"service worker"* ]]; echo $?)" "$st"
check "the removed service's container is gone" \
	"$([ -z "$(docker ps -aq --filter label=com.docker.compose.service=worker)" ]; echo $?)" "$(docker ps -a)"
check "the unchanged service kept its container" \
	"$([ "$(docker ps -q --no-trunc --filter label=com.docker.compose.service=web)" != "" ] && [[ $ids0 == *"$(docker ps -q --no-trunc --filter label=com.docker.compose.service=web)"* ]]; echo $?)" \
	"$ids0" "$(ids compose)"

# ---- a wrong password: a user error naming the registry, never the password --------------------
bad_pass=$(openssl rand -hex 12)
settings 4 "{\"compose\": $modern}" "{\"environment\": {\"APP_SECRET\": \"$secret\"}, \"login\": {\"server\": \"$registry\", \"username\": \"$reg_user\", \"password\": \"$bad_pass\"}}"
enable 4
check "wrong password: error 127 naming the registry" \
	"$([[ $st == "error 127"* && $st == *"login: error 127"* && $st == *"$registry"* ]]; echo $?)" "$st"
leak=$(grep -rl -- "$bad_pass" "$logdir" "$ext/status" "$work/state" "$work/compose" 2>/dev/null)
check "the wrong password is nowhere in the log, status, state or compose file" "$([ -z "$leak" ]; echo $?)" "$leak"

# ---- an image that does not exist: a user error naming the image --------------------------------
missing="{\"services\": {\"web\": {\"image\": \"$registry/dx/nope:1\"}}}"
settings 5 "{\"compose\": $missing}" "$protected_ok"
enable 5
check "missing image: error 131" "$([[ $st == "error 131"* && $st == *"compose: error 131"* ]]; echo $?)" "$st"

# ---- a crash-looping service: an error with its last log lines -----------------------------------
crash="{\"services\": {\"web\": {\"image\": \"$image\", \"command\": $web_cmd, \"environment\": [\"APP_SECRET\"], \"ports\": [\"127.0.0.1:$web_port:8080\"]}, \"crasher\": {\"image\": \"$image\", \"restart\": \"always\", \"command\": [\"sh\", \"-c\", \"echo config missing; exit 3\"]}}}"
settings 6 "{\"compose\": $crash}" "$protected_ok"
enable 6
check "crash-looping service: error 130 with its last log lines, the other one running" \
	"$([[ $st == "error 130"* && $st == *"service crasher: error 130 crash-looping"* && $st == *"config missing"* && $st == *"service web: success"* ]]; echo $?)" "$st"

# ---- `status` tells a person what happened and what to do ------------------------------------------
sum=$("$ext/bin/docker-extension" status --dir "$ext" 2>&1); src=$?
check "status after the crash loop: exit 1, the failed service, its time, what to do next" \
	"$([[ $src == 1 && $sum == *"result: error (code 130)"* && $sum == *"service crasher"*"crash-looping"* && $sum =~ compose\ +success\ +[0-9]+\.[0-9]\ s || $sum =~ compose\ +error\ +[0-9]+\.[0-9]\ s ]] && [[ $sum == *"next: a service does not stay up"* ]]; echo $?)" \
	"exit $src" "$sum"

# ---- a one-shot service that exits 0 is a success ---------------------------------------------------
oneshot="{\"services\": {\"web\": {\"image\": \"$image\", \"command\": $web_cmd, \"environment\": [\"APP_SECRET\"], \"ports\": [\"127.0.0.1:$web_port:8080\"]}, \"migrate\": {\"image\": \"$image\", \"command\": [\"true\"]}}}"
settings 7 "{\"compose\": $oneshot}" "$protected_ok"
enable 7
check "one-shot service exited 0: success, the crash-looping one removed" \
	"$([[ $st == success* && $st == *"service migrate: success 0 completed"* ]] && [ -z "$(docker ps -aq --filter label=com.docker.compose.service=crasher)" ]; echo $?)" "$st"

sum=$(cd "$ext" && bin/docker-extension status --json 2>&1); src=$?
check "status --json after success: exit 0, every step with its duration" \
	"$([ $src = 0 ] && printf '%s' "$sum" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["status"]=="success" and d["sequence"]==7 and any(s["name"]=="service migrate" for s in d["steps"]) and any(s["name"]=="compose" and s["durationMs"]>=0 for s in d["steps"]) and d["next"]==""'; echo $?)" \
	"exit $src" "$sum"

# ---- an image only on the VM (baked into the VM image, say): no registry needed ----------------
docker pull -q "$image" >/dev/null 2>&1 || true
docker tag "$image" dxlocal/only:1
localonly="{\"services\": {\"web\": {\"image\": \"$image\", \"command\": $web_cmd, \"environment\": [\"APP_SECRET\"], \"ports\": [\"127.0.0.1:$web_port:8080\"]}, \"local\": {\"image\": \"dxlocal/only:1\", \"command\": [\"sleep\", \"3600\"]}}}"
settings 8 "{\"compose\": $localonly}" "$protected_ok"
t0=$(date +%s%3N); enable 8; t1=$(date +%s%3N)
check "an image only on the VM: success without waiting for a registry ($((t1 - t0)) ms)" \
	"$([[ $st == success* && $st == *"service local: success 0 running"* ]] && [ $((t1 - t0)) -lt 45000 ]; echo $?)" "$st"

# ---- secrets: nowhere but where they belong ---------------------------------------------------------
leak=$(grep -rl -e "$secret" -e "$reg_pass" "$logdir" "$ext/status" "$work/state" "$work/compose" 2>/dev/null)
check "protected values are in no log, status, event, state or compose file" "$([ -z "$leak" ]; echo $?)" "$leak"
grep -q "compose environment: .*APP_SECRET(protected)" "$log"
check "the log names the protected variable, not its value" $?

# ---- the compose section removed: its containers go too -----------------------------------------------
settings 9 '{"docker": {"options": ["--debug"]}}' "$protected_ok"
# What a worker killed in the middle of a compose command would leave.
( umask 077; echo "APP_SECRET='left-over'" > "$work/compose/docker-compose.env" )
enable 9
check "compose removed: a left-over compose env file is removed too" \
	"$([ ! -e "$work/compose/docker-compose.env" ]; echo $?)" "$(ls -l "$work/compose" 2>&1)"
check "compose removed from the settings: project brought down" \
	"$([[ $st == success* && $st == *"project compose brought down"* ]] && [ -z "$(ids compose)" ] && [ ! -e "$cfile" ]; echo $?)" \
	"$st" "$(ids compose)"
settings 10 "{\"compose\": $oneshot}" "$protected_ok"
enable 10
check "and brought back by the next enable that has it" "$([[ $st == success* ]] && [ -n "$(ids compose)" ]; echo $?)" "$st"

# ---- disable keeps the containers; uninstall removes project, file and credentials ----------------
run disable 7
check "disable leaves the containers running" \
	"$([ "$rc" = 0 ] && [ "$(curl -s --max-time 5 "http://127.0.0.1:$web_port/")" = "$secret" ]; echo $?)" "$out"
grep -q "$registry" "$DOCKER_CONFIG/config.json" 2>/dev/null
check "the registry credentials are in docker's config" $?
run uninstall 7
check "uninstall: containers, network and compose file removed; logged out" \
	"$([ "$rc" = 0 ] && [ -z "$(ids compose)" ] && [ ! -e "$cfile" ] && ! grep -q "$registry" "$DOCKER_CONFIG/config.json" 2>/dev/null && [ -z "$(docker network ls -q --filter label=com.docker.compose.project=compose)" ]; echo $?)" \
	"$out" "$(ids compose)" "$(cat "$DOCKER_CONFIG/config.json" 2>/dev/null)"

echo "test_containers: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
