#!/bin/bash
# The README's first command: set up everything, build, and run the
# handler's main job on a self-contained demo.
#
# What the handler can do today (it grows with each release): detect the
# distribution, load its plugin through the ABI, and run waagent's commands
# with full settings validation, status files, a detached worker and logs.
# The demo runs it from an extension-package layout (bin/ beside plugins/,
# as waagent unpacks it) on this machine and on demo root file systems; it
# changes nothing outside _build/.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

bash scripts/setup-debian.sh
bash scripts/build.sh default
build="$top/_build/default"
demo="$build/demo"
rm -rf "$demo"
mkdir -p "$demo/pkg/bin" "$demo/pkg/plugins"
install -m 0755 "$build/docker-extension" "$demo/pkg/bin/docker-extension"
for so in "$build"/plugins/.libs/*.so; do
	install -m 0644 "$so" "$demo/pkg/plugins/"
done
handler="$demo/pkg/bin/docker-extension"

run() {
	echo
	echo "\$ docker-extension $*"
	"$handler" "$@" && echo "(exit 0)" || echo "(exit $?)"
}

run --version
echo; echo "## This machine"
run detect

echo; echo "## Demo root file systems (tests/fixtures/os-release)"
fixtures="$top/tests/fixtures/os-release"
for f in ubuntu-22.04 rhel-9.4 flatcar fedora-40; do
	root="$demo/roots/$f"
	mkdir -p "$root/etc"
	cp "$fixtures/$f" "$root/etc/os-release"
	run detect --root "$root"
done

# ---- the handler as waagent runs it ---------------------------------------------
echo; echo "## The handler, run the way waagent runs it"
ext="$demo/waagent/Demo.DockerExtension-1.0.0"
logdir="$demo/waagent/log"
mkdir -p "$ext/config" "$ext/status" "$logdir"
cp -r "$demo/pkg/bin" "$demo/pkg/plugins" "$ext/"
printf '[{"name": "Demo.DockerExtension", "version": 1.0, "handlerEnvironment": {"logFolder": "%s", "configFolder": "%s", "statusFolder": "%s", "heartbeatFile": "%s", "eventsFolder": "%s"}}]\n' \
	"$logdir" "$ext/config" "$ext/status" "$ext/heartbeat.log" "$logdir/events" \
	> "$ext/HandlerEnvironment.json"
# The state that survives updates goes under _build too, not /var/lib.
export DOCKER_EXTENSION_STATE_DIR="$demo/state"

settings() { # seq public-settings-json
	printf '{"runtimeSettings": [{"handlerSettings": {"publicSettings": %s, "protectedSettings": null, "protectedSettingsCertThumbprint": null}}]}\n' \
		"$2" > "$ext/config/$1.settings"
}
waagent_run() { # command seq
	echo
	echo "\$ cd $ext && ConfigSequenceNumber=$2 bin/docker-extension $1"
	(cd "$ext" && ConfigSequenceNumber="$2" bin/docker-extension "$1") &&
		echo "(exit 0)" || echo "(exit $?)"
}
show_status() { # seq: wait for a terminal status, print it one entry a line
	for _ in $(seq 50); do
		grep -q '"status":"transitioning"' "$ext/status/$1.status" 2>/dev/null || break
		sleep 0.1
	done
	echo "--- status/$1.status:"
	sed -e 's/},{/},\n    {/g' -e 's/"substatus":\[/"substatus":[\n    /' "$ext/status/$1.status"
	echo
}

echo; echo "# Settings with mistakes: every problem named, nothing on the VM changed."
settings 0 '{"docker": {"port": 70000, "options": "-D", "prot": 1}, "compose-environment": {"PORT": 80}}'
waagent_run install 0
waagent_run enable 0
show_status 0

echo "# Valid settings: the worker asks this machine's plugin to install Docker."
settings 1 '{"docker": {"options": ["--dns=8.8.8.8"]}}'
waagent_run enable 1
show_status 1
echo "--- the log, last lines ($logdir/docker-extension.log):"
tail -n 6 "$logdir/docker-extension.log"

echo
echo "demo: done.  The distribution plugins are skeletons in this release:"
echo "      install, configure and restart answer 'not implemented yet'"
echo "      (above) rather than pretend; they arrive with the plugins issue."
