# shellcheck shell=bash
# waagent in the testbed VM, for scripts: the VM's certificate (the one the
# platform encrypts protected settings to), envelopes made the way the
# platform makes them, and goal states run through waagent's own code
# (waagent_drive.py).  Sourced after vm.sh, once the VM is up:
#
#   . tests/testbed/vm.sh; . tests/testbed/walib.sh
#   vm_up DIR; wa_init WORK ZIP [ZIP2]
#   wa_goal enabled 1.0.0 0 "$public_json" "$(wa_protect des3 <<<"$protected_json")"
#   echo "$WA_STATUS"     # status|code|vVERSION seq N handler READY|message|substatus...
#
# WA_DRIVER_ENV="NAME=VALUE ..." adds to waagent's environment, which
# waagent passes on to our commands.
# WORK is the caller's 0700 directory (keys, the goal, the blobs waagent
# uploaded: WORK/blob.N.json); the VM side lives in WA_VM_DIR.

WA_NAME=${WA_NAME:-Microsoft.Azure.Extensions.DockerExtension}
WA_VM_DIR=/root/dx
WA_INCARNATION=0

# wa_init WORK ZIP [ZIP2]: the VM certificate (WA_THUMB), the packages
# (ZIP as 1.0.0, ZIP2 as 1.1.0 when given) and the driver in the VM.
wa_init() {
	local work=$1 zip=$2 zip2=${3:-} here
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	WA_WORK=$work
	( umask 077
	  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/tenant.key" -out "$work/tenant.pem" \
		-days 2 -subj "/DC=Windows Azure CRP Certificate Generator/CN=dxvm" 2> "$work/openssl.err" ) ||
		{ cat "$work/openssl.err" >&2; return 1; }
	WA_THUMB=$(openssl x509 -in "$work/tenant.pem" -outform DER | sha1sum | cut -c1-40 | tr a-f A-F)
	vm_exec mkdir -p -m 700 "$WA_VM_DIR"
	vm_cp_in "$zip" "$WA_VM_DIR/pkg-1.0.0.zip"
	[ -z "$zip2" ] || vm_cp_in "$zip2" "$WA_VM_DIR/pkg-1.1.0.zip"
	vm_cp_in "$work/tenant.pem" "$WA_VM_DIR/tenant.pem"
	vm_cp_in "$work/tenant.key" "$WA_VM_DIR/tenant.key"
	vm_cp_in "$here/waagent_drive.py" "$WA_VM_DIR/waagent_drive.py"
	vm_exec sh -c "chown -R 0:0 $WA_VM_DIR && chmod 600 $WA_VM_DIR/tenant.key"
}

# wa_protect CIPHER < JSON: the protected settings as the platform sends
# them: a CMS envelope (des3 today, aes256 on FIPS VMs) for the VM's
# certificate, base64.
wa_protect() {
	openssl cms -encrypt -binary -outform DER "-$1" "$WA_WORK/tenant.pem" | base64 -w0
}

# wa_goal STATE VERSION SEQ PUBLIC-JSON PROTECTED-B64 [TIMEOUT]: one goal
# state through waagent.  Sets WA_RC (the driver's exit: 0 terminal),
# WA_SECS, WA_STATUS (see above; "none|..." when nothing was uploaded,
# "absent|..." when our handler is not in the blob) and WA_BLOB.
wa_goal() {
	local state=$1 version=$2 seq=$3 public=$4 prot=$5 timeout=${6:-600} t0
	WA_INCARNATION=$((WA_INCARNATION + 1))
	python3 -c '
import json, sys
a = sys.argv
pkgs = {"1.0.0": a[6] + "/pkg-1.0.0.zip", "1.1.0": a[6] + "/pkg-1.1.0.zip"}
json.dump({"incarnation": int(a[2]), "name": a[3], "version": a[4], "state": a[5],
           "packages": pkgs, "seq": int(a[7]), "public": json.loads(a[8]),
           "protected": a[9] or None, "thumbprint": a[10],
           "vm_cert": a[6] + "/tenant.pem", "vm_key": a[6] + "/tenant.key"},
          open(a[1], "w"))' "$WA_WORK/goal.json" "$WA_INCARNATION" "$WA_NAME" "$version" \
		"$state" "$WA_VM_DIR" "$seq" "$public" "$prot" "$WA_THUMB"
	vm_cp_in "$WA_WORK/goal.json" "$WA_VM_DIR/goal.json"
	t0=$(tb_now)
	WA_RC=0
	echo "== goal state $WA_INCARNATION: $state $version seq $seq" >> "$WA_WORK/driver.err"
	# In the background and waited for, so that a TERM or Ctrl-C reaches
	# the caller's trap at once (bash defers traps while a foreground
	# child runs).
	# shellcheck disable=SC2086 # WA_DRIVER_ENV: NAME=VALUE words for waagent's environment
	vm_exec env ${WA_DRIVER_ENV:-} python3 "$WA_VM_DIR/waagent_drive.py" --goal "$WA_VM_DIR/goal.json" \
		--out "$WA_VM_DIR/blob.json" --timeout "$timeout" \
		>> "$WA_WORK/driver.out" 2>> "$WA_WORK/driver.err" &
	wait $! || WA_RC=$?
	WA_SECS=$(tb_secs "$t0")
	WA_BLOB=$WA_WORK/blob.$WA_INCARNATION.json
	vm_exec cat "$WA_VM_DIR/blob.json" > "$WA_BLOB" 2>/dev/null || true
	WA_STATUS=$(wa_status_line "$WA_BLOB")
}

# wa_status_line BLOB: our handler's entry in a status blob waagent
# uploaded, as one line: status|code|vVERSION seq N handler H|message|name=status: message...
wa_status_line() {
	python3 -c '
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
    print("absent|||our handler is not in the status blob")' "$1" "$WA_NAME"
}
