#!/bin/bash
# The README's first command: set everything up, then run the main job for
# real on a self-contained demo.  It builds the extension package, starts a
# Debian 12 "VM" with systemd (tests/testbed), and lets waagent's own code
# install and enable the extension with a sample settings file: Docker
# from Debian's archive, the TLS port with certificates made by
# `docker-extension gen-certs`, a registry login, and a compose web
# service whose page shows a protected environment value.  It prints the
# status waagent parsed, the per-service substatus and the service's HTTP
# answer, then removes everything it made (also on failure or Ctrl-C) and
# says how long each stage took.
#
# Keep it running to look around: DEMO_KEEP=1 bash scripts/demo.sh
# (then: bash tests/testbed/vm.sh shell DIR, and vm.sh down DIR).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ "$(id -u)" != 0 ]; then
	echo "demo: run as root (it installs packages and runs a private Docker Engine)" >&2
	exit 1
fi

declare -a stage_names=() stage_secs=()
t_stage=$(date +%s%3N)
stage_done() { # name
	local now
	now=$(date +%s%3N)
	stage_names+=("$1")
	stage_secs+=("$(( (now - t_stage) / 1000 )).$(( (now - t_stage) % 1000 / 100 ))")
	t_stage=$now
}

echo "## 1. Set up this machine and build (scripts/setup-debian.sh, scripts/build.sh)"
bash scripts/setup-debian.sh
bash scripts/build.sh default
make -C _build/default extension-zip --no-print-directory 2>&1 | tail -n 1
zip=$(ls "$top"/_build/default/docker-extension-*.zip)
stage_done "set up and build the package"

# shellcheck source=../tests/testbed/vm.sh
. tests/testbed/vm.sh
# shellcheck source=../tests/testbed/walib.sh
. tests/testbed/walib.sh
dir=$(mktemp -d /tmp/dx-demo.XXXXXX)
work=$(mktemp -d /tmp/dx-demo-work.XXXXXX)
cleanup() {
	if [ "${DEMO_KEEP:-}" = 1 ]; then
		echo "demo: kept; bash tests/testbed/vm.sh shell $dir; remove with: bash tests/testbed/vm.sh down $dir"
		return
	fi
	vm_down "$dir"
	rm -rf "$dir" "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo
echo "## 2. Start the VM: Debian 12 with systemd and waagent, no Docker (tests/testbed/vm.sh)"
vm_up "$dir"
stage_done "start the VM"

echo
echo "## 3. Settings: TLS certificates from docker-extension gen-certs, a protected value, a compose service"
"$top/_build/default/docker-extension" gen-certs --host dxvm --ip "$TB_VM_IP" --out "$work/certs" > /dev/null 2>&1
secret="demo-$(openssl rand -hex 6)"
# $$ lets the shell in the container expand the value (compose would put
# it on the command line otherwise; README, "Protected values").
cmd='["sh", "-c", "mkdir -p /www && echo \"Hello from the extension; the protected value is $$APP_SECRET\" > /www/index.html && exec httpd -f -p 8080 -h /www"]'
public=$(printf '{"docker": {"source": "distro", "port": 2376, "daemon": {"insecure-registries": ["%s"]}}, "compose": {"web": {"image": "%s", "command": %s, "environment": ["APP_SECRET"], "ports": ["8080:8080"]}}}' \
	"$TB_REGISTRY" "$TB_IMAGE" "$cmd")
echo "public settings:    $public"
echo "protected settings: {\"certs\": {ca, cert, key}, \"login\": {\"server\": \"$TB_REGISTRY\", \"username\": \"$TB_REG_USER\", \"password\": \"*\"}, \"environment\": {\"APP_SECRET\": \"*\"}}"
wa_init "$work" "$zip"
prot=$(printf '{"certs": {"ca": "%s", "cert": "%s", "key": "%s"}, "login": {"server": "%s", "username": "%s", "password": "%s"}, "environment": {"APP_SECRET": "%s"}}' \
	"$(base64 -w0 < "$work/certs/ca.pem")" "$(base64 -w0 < "$work/certs/server-cert.pem")" \
	"$(base64 -w0 < "$work/certs/server-key.pem")" "$TB_REGISTRY" "$TB_REG_USER" \
	"$(vm_registry_password)" "$secret" | wa_protect des3)
stage_done "make certificates and settings"

echo
echo "## 4. waagent installs and enables the extension (goal state 1, sequence number 0)"
wa_goal enabled 1.0.0 0 "$public" "$prot" 900
stage_done "waagent: install and enable"
IFS='|' read -r -a st <<<"$WA_STATUS"
echo "status waagent parsed and uploaded: ${st[0]} (code ${st[1]}, ${st[2]})"
echo "message: ${st[3]}"
echo "substatus:"
for s in "${st[@]:4}"; do echo "  $s"; done

echo
echo "## 5. The result, from outside the VM"
answer=$(curl -s --max-time 5 "http://$TB_VM_IP:8080/" || true)
echo "GET http://$TB_VM_IP:8080/  ->  $answer"
ping=$(curl -s --max-time 5 --cacert "$work/certs/ca.pem" --cert "$work/certs/cert.pem" \
	--key "$work/certs/key.pem" "https://$TB_VM_IP:2376/_ping" || true)
echo "GET https://$TB_VM_IP:2376/_ping with the client certificate  ->  $ping"
noclient=$(curl -s --max-time 5 --cacert "$work/certs/ca.pem" "https://$TB_VM_IP:2376/_ping" 2>&1 || true)
echo "the same without a client certificate  ->  ${noclient:-refused}"
stage_done "check from outside"

echo
printf '%-40s %8s\n' "stage" "seconds"
for i in "${!stage_names[@]}"; do printf '%-40s %8s\n' "${stage_names[$i]}" "${stage_secs[$i]}"; done
if [ "$WA_RC" = 0 ] && [ "${st[0]}" = success ] && [[ $answer == *"$secret"* ]] && [ "$ping" = OK ]; then
	echo "demo: success"
else
	echo "demo: FAILED (see the status above; the handler log is in the VM under /var/log/azure/$WA_NAME)"
	exit 1
fi
