#!/bin/bash
# The extension package (make extension-zip), handled the way waagent
# handles it: unzipped with Python's zipfile.extractall (which drops the
# file modes), u+x added to every file, commands run with /bin/sh -c from
# the extension directory.
#
#   - the zip is reproducible: the same source copied to two directories
#     and built there in two layouts gives the same sha256;
#   - HandlerManifest.json has the contract's schema (real booleans);
#   - every library the handler, the plugins and the bundled libraries
#     need is in lib/, and the launcher is static;
#   - inside a container whose image holds nothing but a static busybox
#     (no libc at all): --version, validate, detect (loads a plugin with
#     dlopen through the bundled loader) and an enable that writes a valid
#     status file;
#   - a program the handler process starts runs with the system's
#     libraries, not the package's (shown with the system's dynamically
#     linked /bin/sh standing in for the handler: it is started by the
#     launcher exactly like the handler and runs a child);
# against a private Docker Engine (own socket, no bridge, no iptables).
# SKIP only when Docker is not installed.
set -u

build=$DX_TOP_BUILDDIR
export LC_ALL=C
umask 022   # waagent's: the extracted files get 0644 | u+x, dirs 0755
pass=0
fail=0
dockerd_pid=
run_dir=
work=

cleanup() {
	if [ -n "$dockerd_pid" ]; then
		kill "$dockerd_pid" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$dockerd_pid" 2>/dev/null
		wait "$dockerd_pid" 2>/dev/null
	fi
	# Whatever dockerd left mounted under our directories, deepest first.
	if [ -n "$work$run_dir" ]; then
		awk '{print $2}' /proc/mounts |
			grep -E "^(${work:-/nonexistent}|${run_dir:-/nonexistent})/" |
			sort -r | xargs -r -n1 umount -l 2>/dev/null
	fi
	[ -n "$work" ] && [ -z "${DX_KEEP:-}" ] && rm -rf "$work"
	[ -n "$run_dir" ] && rm -rf "$run_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { pass=$((pass + 1)); echo "PASS $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; shift; for l in "$@"; do printf '    %s\n' "$l"; done; }
check() { # name, condition-exit-code, details...
	local name=$1 rc=$2; shift 2
	if [ "$rc" -eq 0 ]; then ok "$name"; else ko "$name" "$@"; fi
}
finish() {
	echo "test_package: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit $?
}
ms() { date +%s%3N; }

docker_bin=$(command -v docker || true)
dockerd_bin=$(command -v dockerd || true)
if [ -z "$docker_bin" ] || [ -z "$dockerd_bin" ]; then
	echo "SKIP docker or dockerd is not installed: the package is run in a" \
		"busybox-only container (scripts/setup-debian.sh installs docker.io)"
	exit 77
fi

work=$(mktemp -d "$build/tests/package.XXXXXX")
chmod 755 "$work"
# Sockets live in a short directory of our own: a unix socket path has at
# most 108 bytes, and the build tree can be deep (make distcheck).
run_dir=$(mktemp -d /tmp/dxp.XXXXXX)

# ---- the package, and the same package from two other trees ---------------------
# A make of its own (not the one running the tests): its jobserver is not
# ours to use.
submake() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL ${MAKE:-make} "$@" 2>&1
}
t0=$(ms)
out=$(submake -s -C "$build" extension-zip EXTENSION_STAGE="$work/stage1" \
	EXTENSION_ZIP="$work/package1.zip"); rc=$?
t1=$(ms)
check "make extension-zip ($((t1 - t0)) ms)" $rc "$out"
if [ $rc -ne 0 ]; then finish; fi
echo "    $(tail -n 1 <<<"$out")"
zip=$work/package1.zip

# Reproducible whatever the paths: the source as `make dist` ships it,
# copied to two directories of different names and depths, configured
# alike and built in two layouts (beside the tree through an absolute
# path, and inside the tree); only what the zip needs is built.  This
# build's own zip is not compared: its configure options may differ
# (sanitizers).  Two builds cost about 35 s, so scripts/test.sh runs this
# in one pass only (DX_REPRO_TEST=no in the others: valgrind, sanitizers,
# distcheck, which would only build the same thing again).
if [ "${DX_REPRO_TEST:-yes}" = no ]; then
	echo "SKIP reproducible across source and build paths (DX_REPRO_TEST=no; scripts/test.sh runs it in the first pass)"
else
repro_build() { # name source-dir build-dir
	local src=$2 bdir=$3 cfg out rc
	mkdir -p "$(dirname "$src")" "$bdir" &&
		submake -s -C "$build" distdir distdir="$src" >/dev/null || return 1
	if [ "$bdir" = "$src" ]; then cfg=./configure; else cfg=$src/configure; fi
	(cd "$bdir" && env -u CONFIG_SITE "$cfg" --quiet >/dev/null 2>&1) || {
		echo "configure failed in $bdir"; return 1; }
	out=$(submake -s -C "$bdir" -j2 extension-zip EXTENSION_ZIP="$work/$1.zip")
	rc=$?
	tail -n 1 <<<"$out"
	return $rc
}
t0=$(ms)
out_a=$(repro_build repro-a "$work/r/a/src" "$work/r/a/build"); rc_a=$?
out_b=$(repro_build repro-b "$work/r/tree-b/one/two/docker-extension" \
	"$work/r/tree-b/one/two/docker-extension"); rc_b=$?
t1=$(ms)
[ $rc_a -eq 0 ] && [ $rc_b -eq 0 ]
check "two clean trees built ($((t1 - t0)) ms)" $? "$out_a" "$out_b"
sum_a=$(sha256sum < "$work/repro-a.zip" 2>/dev/null | cut -d' ' -f1)
sum_b=$(sha256sum < "$work/repro-b.zip" 2>/dev/null | cut -d' ' -f1)
diffs=
if [ -n "$sum_a" ] && [ "$sum_a" != "$sum_b" ]; then
	diffs=$(cd "$work/r/a/build/extension-stage" && find . -type f | sort |
		while read -r f; do
			cmp -s "$f" "$work/r/tree-b/one/two/docker-extension/extension-stage/$f" ||
				echo "differs: $f"
		done)
fi
[ -n "$sum_a" ] && [ "$sum_a" = "$sum_b" ]
check "reproducible across source and build paths: both zips $sum_a" $? \
	"$work/r/a/src built in $work/r/a/build: ${sum_a:-no zip}" \
	"$work/r/tree-b/one/two/docker-extension built in place: ${sum_b:-no zip}" \
	"$diffs"
[ -z "${DX_KEEP:-}" ] && rm -rf "$work/r"
fi

out=$(python3 - "$zip" <<'PY' 2>&1
import os, sys, time, zipfile
z = zipfile.ZipFile(sys.argv[1])
sde = os.environ.get("SOURCE_DATE_EPOCH", "")
when = time.gmtime(max(int(sde) if sde.isdigit() else 0, 315532800))[:6]
names = [i.filename for i in z.infolist()]
bad = []
if names != sorted(names):
    bad.append("entries are not sorted")
for i in z.infolist():
    if i.date_time != when:
        bad.append("%s: date %s" % (i.filename, i.date_time))
    if i.extra:
        bad.append("%s: extra field" % i.filename)
    mode = i.external_attr >> 16
    if mode not in (0o100644, 0o100755):
        bad.append("%s: mode %o" % (i.filename, mode))
print("\n".join(bad) if bad else "%d entries" % len(names))
sys.exit(1 if bad else 0)
PY
)
check "zip entries sorted, fixed date and modes, no extra fields ($out)" $? "$out"

# ---- unzip it like waagent --------------------------------------------------------
name=Microsoft.Azure.Extensions.DockerExtension-0.0.0
ext=$work/waagent/$name
mkdir -p "$ext"
chmod 755 "$work/waagent" "$ext"
out=$(python3 - "$zip" "$ext" <<'PY' 2>&1
# ExtHandlerInstance.initialize(): zipfile.ZipFile(pkg).extractall(base),
# then S_IXUSR on every file.
import os, stat, sys, zipfile
zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])
for top, dirs, files in os.walk(sys.argv[2]):
    for f in files:
        p = os.path.join(top, f)
        os.chmod(p, os.stat(p).st_mode | stat.S_IXUSR)
PY
)
check "extracted with zipfile.extractall + u+x" $? "$out"
modes=$(find "$ext" -type f -printf '%m\n' | sort -u | tr '\n' ' ')
[ "$modes" = "744 " ]; check "every file is 0744 after extraction, as on a VM" $? "$modes"

# ---- HandlerManifest.json -----------------------------------------------------------
out=$(python3 - "$ext" <<'PY' 2>&1
import json, os, sys
base = sys.argv[1]
m = json.load(open(os.path.join(base, "HandlerManifest.json"), encoding="utf-8"))
bad = []
if not isinstance(m, list) or not m or "handlerManifest" not in m[0]:
    print("not an array whose element 0 has handlerManifest"); sys.exit(1)
h = m[0]["handlerManifest"]
for c in ("install", "enable", "disable", "uninstall", "update"):
    cmd = h.get(c + "Command")
    if cmd != "bin/docker-extension " + c:
        bad.append("%sCommand = %r" % (c, cmd))
    elif not os.path.isfile(os.path.join(base, cmd.split()[0])):
        bad.append("%sCommand: %s is not in the package" % (c, cmd.split()[0]))
want = {"reportHeartbeat": False, "continueOnUpdateFailure": False,
        "supportsMultipleExtensions": False, "rebootAfterInstall": False}
for k, v in want.items():
    if h.get(k) is not v:   # a real JSON boolean, not "false"
        bad.append("%s = %r, want JSON %s" % (k, h.get(k), json.dumps(v)))
if h.get("updateMode") != "UpdateWithInstall":
    bad.append("updateMode = %r" % h.get("updateMode"))
print("\n".join(bad) if bad else "ok")
sys.exit(1 if bad else 0)
PY
)
check "HandlerManifest.json: array, five commands, real booleans, UpdateWithInstall" $? "$out"

# ---- what is in it --------------------------------------------------------------------
out=$(readelf -lW "$ext/bin/docker-extension" 2>&1 | grep -c 'program interpreter')
[ "$out" = 0 ]; check "bin/docker-extension is static (no program interpreter)" $?
ldso=$(readelf -lW "$ext/libexec/docker-extension" | sed -n 's/.*interpreter: \(.*\)\]/\1/p')
[ -f "$ext/lib/$(basename "$ldso")" ] && [ -f "$ext/lib/libc.so.6" ]
check "lib/ has the dynamic loader ($(basename "$ldso")) and libc" $? "$(ls "$ext/lib")"
missing=
for f in "$ext/libexec/docker-extension" "$ext"/plugins/*.so "$ext"/lib/*; do
	for n in $(readelf -dW "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		[ -f "$ext/lib/$n" ] || missing="$missing $(basename "$f")->$n"
	done
done
nlibs=$(ls "$ext/lib" | wc -l)
[ -z "$missing" ]; check "every DT_NEEDED of the handler, plugins and libs is in lib/ ($nlibs files)" $? "missing:$missing"
links=$(find "$ext" -type l | wc -l)
[ "$links" = 0 ]; check "no symbolic links in the package" $?
# libcurl is dlopen()ed on the first download (core/http.c): not linked,
# but bundled, with what it needs (the DT_NEEDED check above covers lib/).
needed=$(readelf -dW "$ext/libexec/docker-extension" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
curl_lib=$(cd "$ext/lib" && ls libcurl*.so.* 2>/dev/null | head -n 1)
! grep -q libcurl <<<"$needed" && [ -n "$curl_lib" ]
check "the handler does not link libcurl (needs: $needed); lib/$curl_lib is bundled for dlopen()" $? \
	"$(ls "$ext/lib")"

# ---- on this machine, as waagent starts it --------------------------------------------
out=$(cd / && /bin/sh -c "$ext/bin/docker-extension --version" 2>&1); rc=$?
[ $rc -eq 0 ] && [[ $out == "docker-extension "* ]]
check "host: /bin/sh -c '<ext>/bin/docker-extension --version' from / ($out)" $? "exit $rc" "$out"

# The loader's own trace (LD_DEBUG passes the launcher): a run that
# downloads nothing loads no libcurl.
out=$(cd / && LD_DEBUG=files "$ext/bin/docker-extension" --version 2>&1); rc=$?
loaded=$(grep -c 'file=lib.*generating link map' <<<"$out")
[ $rc -eq 0 ] && [ "$loaded" -gt 0 ] && ! grep -q 'file=libcurl' <<<"$out"
check "host: --version maps $loaded libraries, libcurl not among them" $? "$out"

# The system's dynamically linked shell in the handler's place: the
# launcher starts it exactly as it starts the handler (bundled loader,
# --library-path, --argv0), and it starts a child as the handler does.
shell_pkg=$work/shellpkg
mkdir -p "$shell_pkg"
cp -a "$ext/bin" "$ext/lib" "$shell_pkg/"
mkdir -p "$shell_pkg/libexec"
cp "$(readlink -f /bin/sh)" "$shell_pkg/libexec/docker-extension"
if readelf -lW "$shell_pkg/libexec/docker-extension" 2>/dev/null | grep -q 'program interpreter'; then
	out=$(cd / && LD_LIBRARY_PATH=/nonexistent-dx "$shell_pkg/bin/docker-extension" -c \
		'echo "argv0=$0"; echo "== parent"; cat /proc/$$/maps; echo "== child"; cat /proc/self/maps; echo "== env"; env' 2>&1)
	parent=$(sed -n '/^== parent/,/^== child/p' <<<"$out")
	child=$(sed -n '/^== child/,/^== env/p' <<<"$out")
	envs=$(sed -n '/^== env/,$p' <<<"$out")
	grep -q "$shell_pkg/lib/libc.so.6" <<<"$parent" &&
		grep -q "$shell_pkg/lib/$(basename "$ldso")" <<<"$parent"
	check "the launched program runs on the package's loader and libc" $? "$parent"
	! grep -q "$shell_pkg" <<<"$child" && grep -q 'libc.so.6' <<<"$child"
	check "its child runs on the system's libraries, none of the package's" $? "$child"
	! grep -qE '^LD_(LIBRARY_PATH|PRELOAD|AUDIT)=' <<<"$envs"
	check "no LD_* variable reaches the child" $? "$envs"
	grep -q "^argv0=$shell_pkg/libexec/docker-extension\$" <<<"$out"
	check "the launched program gets its real path as argv[0]" $? "$(head -n 1 <<<"$out")"
else
	ko "the child check needs a dynamically linked /bin/sh" "$(readlink -f /bin/sh)"
fi

# A broken package says what is wrong, on one line, exit 127.
broken=$work/broken
mkdir -p "$broken/bin"
cp "$ext/bin/docker-extension" "$broken/bin/"
out=$("$broken/bin/docker-extension" --version 2>&1); rc=$?
[ $rc -eq 127 ] && [ "$(wc -l <<<"$out")" = 1 ] && grep -q 'lib/' <<<"$out"
check "launcher without lib/: one clear line, exit 127" $? "exit $rc" "$out"

# ---- a private Docker Engine and a busybox-only image ---------------------------------
mkdir -p "$work/docker"
"$dockerd_bin" --data-root "$work/docker/data" --exec-root "$run_dir/x" \
	-H "unix://$run_dir/sock" --pidfile "$run_dir/pid" \
	--bridge=none --iptables=false --ip6tables=false >"$work/docker/log" 2>&1 &
dockerd_pid=$!
export DOCKER_HOST="unix://$run_dir/sock"

busybox=
for b in /bin/busybox /usr/bin/busybox /usr/lib/busybox/busybox; do
	if [ -x "$b" ] && ! readelf -lW "$b" 2>/dev/null | grep -q 'program interpreter'; then
		busybox=$b; break
	fi
done
if [ -z "$busybox" ]; then
	ko "a static busybox is needed for the image (apt-get install busybox-static)"
	finish
fi
img=$work/image
mkdir -p "$img"
cp "$busybox" "$img/busybox"
cat > "$img/Dockerfile" <<'EOF'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN ["/bin/busybox", "mkdir", "-p", "-m", "1777", "/tmp"]
EOF

engine_up=0
for _ in $(seq 150); do
	"$docker_bin" version >/dev/null 2>&1 && { engine_up=1; break; }
	sleep 0.1
done
if [ "$engine_up" != 1 ]; then
	ko "the private dockerd did not answer in 15 s" "$(tail -n 15 "$work/docker/log")"
	finish
fi
out=$(DOCKER_BUILDKIT=0 "$docker_bin" build -q --network none -t dx-busybox-only "$img" 2>&1)
check "busybox-only image built from scratch" $? "$out"
out=$("$docker_bin" run --rm --network none dx-busybox-only /bin/sh -c \
	'ls /lib /lib64 /usr/lib 2>&1; find / -xdev -name "libc.so*" -o -xdev -name "ld-linux*" 2>/dev/null')
! grep -qE 'libc\.so|ld-linux' <<<"$out"
check "the image has no libc and no dynamic loader" $? "$out"

# The engine API client (core/unixhttp.c) against this real engine.
out=$(DX_TEST_DOCKER_SOCKET="$run_dir/sock" "$build/tests/unit/run" unixhttp 2>&1); rc=$?
[ $rc -eq 0 ] && grep -q 'Test: the real Docker Engine.*passed' <<<"$out" &&
	! grep -q 'real engine not tried' <<<"$out"
check "unixhttp: GET /_ping, /version, /containers/json, a 404 and a cap against the real dockerd" $? \
	"$(tail -n 25 <<<"$out")"

# ---- the package inside it ---------------------------------------------------------------
# The extension directory as waagent lays it out, with the folders that
# HandlerEnvironment.json names in a data directory beside it.
data=$work/data
E=/var/lib/waagent/$name
mkdir -p "$data/config" "$data/status" "$data/log/events" "$data/root/etc"
cat > "$ext/HandlerEnvironment.json" <<EOF
[{"name": "Microsoft.Azure.Extensions.DockerExtension", "version": 1.0, "handlerEnvironment": {"logFolder": "/data/log", "configFolder": "/data/config", "statusFolder": "/data/status", "heartbeatFile": "$E/heartbeat.log", "eventsFolder": "/data/log/events"}}]
EOF
printf '{"runtimeSettings": [{"handlerSettings": {"publicSettings": {"docker": {"options": ["--debug"]}}, "protectedSettings": null, "protectedSettingsCertThumbprint": null}}]}' \
	> "$data/config/0.settings"
echo '{"docker": {"options": ["--debug"]}}' > "$data/good.json"
echo '{"docker": {"port": "not-a-port"}}' > "$data/bad.json"
printf 'ID=ubuntu\nVERSION_ID="22.04"\n' > "$data/root/etc/os-release"

# in_box SCRIPT: run a busybox sh script in the image with the package at
# waagent's path; sets $out and $rc.
in_box() {
	out=$("$docker_bin" run --rm --network none \
		-v "$ext:$E" -v "$data:/data" -w "$E" -e "E=$E" \
		-e ConfigSequenceNumber=0 dx-busybox-only /bin/sh -c "$1" 2>&1)
	rc=$?
}

in_box 'cd /tmp && /bin/sh -c "$E/bin/docker-extension --version"'
[ $rc -eq 0 ] && [[ $out == "docker-extension "* ]]
check "busybox: --version ($out)" $? "exit $rc" "$out"

in_box '"$E/bin/docker-extension" validate /data/good.json'
check "busybox: validate accepts valid settings (exit 0)" $rc "exit $rc" "$out"
in_box '"$E/bin/docker-extension" validate /data/bad.json'
[ $rc -eq 1 ] && grep -q 'docker.port' <<<"$out"
check "busybox: validate names the bad key (exit 1)" $? "exit $rc" "$out"

# What a download would dlopen() resolves from the package alone.
in_box '"$E/lib/'"$(basename "$ldso")"'" --library-path "$E/lib" --list "$E/lib/'"$curl_lib"'"'
[ $rc -eq 0 ] && [ -n "$curl_lib" ] && ! grep -q 'not found' <<<"$out" &&
	! grep -qE '=> /(usr/)?lib' <<<"$out"
check "busybox: lib/$curl_lib and all it needs resolve from the package" $? "exit $rc" "$out"

in_box '"$E/bin/docker-extension" detect --root /data/root'
grep -q 'plugin ABI:' <<<"$out" && grep -q "$E/plugins/ubuntu.so" <<<"$out"
check "busybox: detect loads plugins/ubuntu.so through the bundled loader" $? "exit $rc" "$out"

# enable: validates, writes its status, hands over to its worker (a fork
# of the process the bundled loader started) and returns; the worker finds
# no supported distribution here and reports error.  The container ends
# with its first process, so the script waits for the worker to finish.
in_box '/bin/sh -c "$E/bin/docker-extension enable"; echo "enable-exit=$?"
	for i in $(seq 100); do
		ps | grep -q "[l]ibexec/docker-extension" || break
		sleep 0.1
	done
	ps | grep "[l]ibexec/docker-extension"'
grep -q '^enable-exit=0$' <<<"$out"
check "busybox: enable exits 0" $? "$out"
st=$("$build/tests/integration/check_status" "$data/status/0.status" 2>&1)
check "busybox: enable wrote a valid status file ($(head -n 1 <<<"$st"))" $? "$st" \
	"$(cat "$data/status/0.status" 2>/dev/null)"
[[ $st == error* ]] && grep -q 'distribution' "$data/status/0.status"
check "busybox: the worker ran and reported that the distribution is unsupported" $? \
	"$st" "$out"
python3 -c 'import json, sys; json.load(open(sys.argv[1], encoding="utf-8"))' \
	"$data/status/0.status" 2>/dev/null
check "busybox: the status file is JSON" $?
[ -s "$data/log/docker-extension.log" ]
check "busybox: the handler logged to its log folder" $?

finish
