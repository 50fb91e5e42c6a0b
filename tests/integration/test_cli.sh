#!/bin/sh
# The handler binary as a person and waagent see it: --version, --help,
# usage errors, and `detect` from an extension-package layout against
# fake roots.
set -u
bin="$DX_TOP_BUILDDIR/docker-extension"
work=$(mktemp -d "$DX_TOP_BUILDDIR/tests/cli.XXXXXX")
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT INT TERM
pass=0
fail=0

check() { # name, expected exit, actual exit, output, needle
	if [ "$2" = "$3" ] && printf '%s' "$4" | grep -qF -- "$5"; then
		pass=$((pass + 1)); echo "PASS $1"
	else
		fail=$((fail + 1)); echo "FAIL $1: exit $3 (want $2), output:"
		printf '%s\n' "$4" | sed 's/^/    /'
	fi
}

version=$(grep -m1 '^PACKAGE_VERSION=' "$DX_TOP_BUILDDIR/config.log" 2>/dev/null | sed "s/.*='\(.*\)'/\1/")
out=$("$bin" --version 2>&1); check "--version" 0 $? "$out" "docker-extension $version (plugin ABI 1.0)"
out=$("$bin" --help 2>&1); check "--help" 0 $? "$out" "Usage: docker-extension COMMAND"
out=$("$bin" 2>&1); check "no command" 2 $? "$out" "Usage: docker-extension COMMAND"
out=$("$bin" frobnicate 2>&1); check "unknown command" 2 $? "$out" "unknown command 'frobnicate'"
out=$("$bin" detect --root 2>&1); check "detect bad usage" 2 $? "$out" "usage: docker-extension detect"
out=$(cd "$work" && "$bin" enable 2>&1); check "enable outside an extension directory" 28 $? "$out" "HandlerEnvironment.json not found"
out=$("$bin" enable now 2>&1); check "enable with an argument" 2 $? "$out" "usage: docker-extension enable"

# The extension package layout: bin/ beside plugins/.
mkdir -p "$work/pkg/bin" "$work/pkg/plugins"
chmod 755 "$work/pkg" "$work/pkg/bin" "$work/pkg/plugins"
cp "$bin" "$work/pkg/bin/docker-extension"
for name in $DX_PLUGIN_NAMES; do
	cp "$DX_PLUGIN_BUILDDIR/$name.so" "$work/pkg/plugins/$name.so"
	chmod 644 "$work/pkg/plugins/$name.so"
done
pkgbin="$work/pkg/bin/docker-extension"

mkroot() { # dir, os-release text
	mkdir -p "$1/etc"
	printf '%s\n' "$2" > "$1/etc/os-release"
}
mkroot "$work/ubuntu" 'NAME="Ubuntu"
VERSION_ID="22.04"
ID=ubuntu
ID_LIKE=debian'
out=$("$pkgbin" detect --root "$work/ubuntu" 2>&1)
check "detect ubuntu 22.04 loads the ubuntu plugin" 0 $? "$out" "plugin ABI:   1.0 (name 'ubuntu')"
check "detect ubuntu uses the package's plugin dir" 0 0 "$out" "$work/pkg/plugins/ubuntu.so"
check "detect ubuntu: no docker in the fake root" 0 0 "$out" "docker:       not installed"

mkroot "$work/debian" 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
VERSION_ID="12"
ID=debian'
mkdir -p "$work/debian/usr/sbin"; printf '#!/bin/sh\n' > "$work/debian/usr/sbin/dockerd"; chmod 755 "$work/debian/usr/sbin/dockerd"
out=$("$pkgbin" detect --root "$work/debian" 2>&1)
check "detect debian 12 sees Debian's /usr/sbin/dockerd" 0 $? "$out" "docker:       installed"

mkroot "$work/fedora" 'ID=fedora
VERSION_ID=40'
out=$("$pkgbin" detect --root "$work/fedora" 2>&1)
check "detect fedora refused" 17 $? "$out" "ID=fedora"

mkdir -p "$work/empty"
out=$("$pkgbin" detect --root "$work/empty" 2>&1)
check "detect with no os-release" 16 $? "$out" "os-release"

chmod 777 "$work/pkg/plugins"
out=$("$pkgbin" detect --root "$work/ubuntu" 2>&1)
check "world-writable plugin dir refused" 19 $? "$out" "plugins is world writable (mode 0777)"
chmod 755 "$work/pkg/plugins"

rm "$work/pkg/plugins/ubuntu.so"
out=$("$pkgbin" detect --root "$work/ubuntu" 2>&1)
check "missing plugin refused" 18 $? "$out" "plugin ubuntu.so for ubuntu not found in $work/pkg/plugins"

# ---- validate: the same checks as enable, offline; exit 0/1/2 ----------------
v="$work/validate"; mkdir -p "$v"
printf '%s' '{"docker": {"port": "2376", "options": ["-D", "--dns=8.8.8.8"]}, "compose": {"web": {"image": "nginx"}}}' > "$v/readme.json"
printf '%s' '{"certs": {"ca": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", "cert": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", "key": "-----BEGIN PRIVATE KEY-----\nS3cretKeyMaterial\n-----END PRIVATE KEY-----"}, "login": {"username": "u", "password": "Pa55-word-xyz"}}' > "$v/protected.json"
out=$("$bin" validate --protected "$v/protected.json" "$v/readme.json" 2>&1)
check "validate: the original README example with certs is valid" 0 $? "$out" "0 errors, 0 warnings"
leaked=0; case "$out" in *S3cretKeyMaterial*|*Pa55-word-xyz*) leaked=1;; esac
check "validate never prints a secret" 0 $leaked "$out" "0 errors"
out=$("$bin" validate "$v/readme.json" 2>&1)
check "validate: port without certs is an error (exit 1)" 1 $? "$out" "docker.port"
printf '%s' '{"docker": {"prot": 2376}}' > "$v/typo.json"
out=$("$bin" validate "$v/typo.json" 2>&1)
check "validate: unknown key is a warning with a suggestion (exit 2)" 2 $? "$out" "did you mean docker.port"
printf '%s' '{"runtimeSettings": [{"handlerSettings": {"publicSettings": {"docker": {"options": ["-D"]}}, "protectedSettings": null, "protectedSettingsCertThumbprint": null}}]}' > "$v/0.settings"
out=$("$bin" validate "$v/0.settings" 2>&1)
check "validate: a whole N.settings file" 0 $? "$out" "0 errors, 0 warnings"
out=$("$bin" validate "$v/missing.json" 2>&1)
check "validate: a missing file" 1 $? "$out" "cannot read $v/missing.json"
out=$("$bin" validate 2>&1)
check "validate: no file is a usage error" 1 $? "$out" "Usage: docker-extension validate"
out=$("$bin" validate --help 2>&1)
check "validate --help" 0 $? "$out" "Exit status: 0 valid"
mkdir -p "$v/empty"
out=$(cd "$v/empty" && "$bin" status --dir "$v/empty" 2>&1)
check "status: no extension in the directory given (exit 2)" 2 $? "$out" "no HandlerEnvironment.json in the directory given"
out=$("$bin" status --bogus 2>&1)
check "status: an unknown option is a usage error" 2 $? "$out" "usage: docker-extension status"
mkdir -p "$v/ext/status" "$v/ext/log"
printf '[{"version": 1.0, "handlerEnvironment": {"logFolder": "%s", "configFolder": "%s", "statusFolder": "%s"}}]' \
	"$v/ext/log" "$v/ext" "$v/ext/status" > "$v/ext/HandlerEnvironment.json"
out=$("$bin" status --dir "$v/ext" 2>&1)
check "status: installed but never enabled (exit 2)" 2 $? "$out" "no status file in $v/ext/status yet"
printf '[{"version":1.0,"timestampUTC":"2026-11-23T10:00:00Z","status":{"name":"X","operation":"Enable","status":"error","code":118,"formattedMessage":{"lang":"en-US","message":"Enable failed: invalid settings"},"substatus":[{"name":"settings","status":"error","code":118,"formattedMessage":{"lang":"en-US","message":"docker.port: expected a port"}}]}}]' \
	> "$v/ext/status/3.status"
printf '[{"version":1.0,"timestampUTC":"2026-11-23T09:00:00Z","status":{"name":"X","operation":"Enable","status":"success","code":0,"formattedMessage":{"lang":"en-US","message":"ok"}}}]' \
	> "$v/ext/status/2.status"
out=$("$bin" status --dir "$v/ext" 2>&1)
check "status: the newest status, the failed step, and what to do (exit 1)" 1 $? "$out" "next: fix every problem listed under 'settings'"
case "$out" in *"sequence 3"*"docker.port: expected a port"*) r=0;; *) r=1;; esac
check "status: sequence and step message shown" 0 $r "$out" "sequence 3"
for c in detect install enable disable update uninstall status; do
	out=$("$bin" $c --help 2>&1)
	check "$c --help" 0 $? "$out" "Usage: docker-extension $c"
done

# The man page renders without a warning (groff comes with man-db).
if command -v groff >/dev/null 2>&1; then
	out=$(groff -man -Tutf8 -ww -z "$DX_TOP_SRCDIR/man/docker-extension.1" 2>&1; echo "rc=$?")
	check "man page renders without warnings" "rc=0" "$out" "$out" "rc=0"
	for c in validate status detect install enable disable update uninstall; do
		grep -qE "^\.(B|TP)? ?\\?(fB)?$c( |\\|$)|^\.B $c" "$DX_TOP_SRCDIR/man/docker-extension.1"
		check "man page documents $c" 0 $? "$c" "$c"
	done
fi

echo "test_cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
