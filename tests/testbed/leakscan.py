#!/usr/bin/env python3
"""Look for protected values where nobody may read them (issue #7).

Runs inside the testbed VM.  SECRETS is a 0600 file with one protected
value per line (passwords, environment values, lines of the TLS key).
Hits name the place and the secret's line number, never the value.

  leakscan.py sample --secrets F --out HITS --stop STOPFILE
      while STOPFILE does not exist: every 20 ms, /proc/*/cmdline and
      /proc/*/environ of every process that is not a container's (the
      services get their environment by design), plus every process's
      cmdline; appends hits to HITS.
  leakscan.py files --secrets F --since STAMP [--exclude P]... [--secret-file P]...
      every regular file changed since STAMP on the VM's file systems
      (except Docker's and containerd's own storage, files the extension
      did not write (--exclude) and its intended secret files
      (--secret-file), whose mode must be 0600), and the journal;
      prints hits, exit 1 if any.
"""

import argparse
import os
import subprocess
import sys
import time

# Docker's own storage holds the containers' configuration, environment
# included, by design; the extension does not write there.
SKIP_TREES = ("/proc", "/sys", "/dev", "/var/lib/docker", "/var/lib/containerd",
              "/run/docker", "/run/containerd", "/var/cache/apt", "/var/lib/apt/lists")


def load_secrets(path):
    with open(path, "rb") as f:
        return [s for s in f.read().split(b"\n") if len(s) >= 6]


def find_hits(data, secrets):
    return [i + 1 for i, s in enumerate(secrets) if s in data]


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return b""


def container_pids(pids):
    """Processes under a containerd shim: the services themselves, which
    get their environment by design (not started by the extension)."""
    parent, comm = {}, {}
    for pid in pids:
        stat = read("/proc/%s/stat" % pid)
        rp = stat.rfind(b")")
        if rp < 0:
            continue
        comm[pid] = stat[stat.find(b"(") + 1:rp]
        parent[pid] = stat[rp + 2:].split()[1].decode()
    inside = set()
    for pid in pids:
        p, hops = parent.get(pid), 0
        while p and p != "0" and hops < 64:
            if comm.get(p, b"").startswith(b"containerd-shim"):
                inside.add(pid)
                break
            p, hops = parent.get(p), hops + 1
    return inside


def sample(a):
    secrets = load_secrets(a.secrets)
    seen = set()
    me = str(os.getpid())
    rounds = 0
    with open(a.out, "a") as out:
        while not os.path.exists(a.stop):
            rounds += 1
            pids = [p for p in os.listdir("/proc") if p.isdigit() and p != me]
            inside = container_pids(pids)
            for pid in pids:
                cmd = read("/proc/%s/cmdline" % pid)
                where = [("cmdline", cmd)]
                if pid not in inside:
                    where.append(("environ", read("/proc/%s/environ" % pid)))
                for kind, data in where:
                    for n in find_hits(data, secrets):
                        key = (pid, kind, n)
                        if key not in seen:
                            seen.add(key)
                            comm = cmd.split(b"\0")[0].decode(errors="replace")
                            out.write("/proc/%s/%s (%s): secret #%d\n" % (pid, kind, comm, n))
                            out.flush()
            time.sleep(0.02)
    with open(a.out + ".rounds", "w") as f:
        f.write("%d\n" % rounds)
    return 0


def files(a):
    secrets = load_secrets(a.secrets)
    since = os.stat(a.since).st_mtime
    exclude = set(os.path.realpath(p) for p in a.exclude)
    ours = set(os.path.realpath(p) for p in a.secret_file)
    hits = []
    scanned = 0
    for top in ("/", "/run", "/tmp", "/var/log"):
        for root, dirs, names in os.walk(top):
            if root.startswith(SKIP_TREES) or (root != top and os.path.ismount(root)):
                dirs[:] = []
                continue
            dirs[:] = [d for d in dirs if not os.path.join(root, d).startswith(SKIP_TREES)]
            for name in names:
                p = os.path.join(root, name)
                try:
                    st = os.lstat(p)
                except OSError:
                    continue
                if not os.path.isfile(p) or os.path.islink(p) or st.st_mtime < since:
                    continue
                if os.path.realpath(p) in exclude:
                    continue
                if os.path.realpath(p) in ours:
                    if st.st_mode & 0o077:
                        hits.append("%s: a secret file with mode %o (want 0600)" % (p, st.st_mode & 0o777))
                    continue
                scanned += 1
                for n in find_hits(read(p), secrets):
                    hits.append("%s: secret #%d" % (p, n))
    journal = subprocess.run(["journalctl", "--no-pager", "-o", "cat"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
    for n in find_hits(journal, secrets):
        hits.append("journal: secret #%d" % n)
    for h in sorted(set(hits)):
        print(h)
    sys.stderr.write("leakscan: %d files changed since the start scanned, journal %d bytes, %d secrets, %d hits\n"
                     % (scanned, len(journal), len(secrets), len(hits)))
    return 1 if hits else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sample")
    s.add_argument("--secrets", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--stop", required=True)
    f = sub.add_parser("files")
    f.add_argument("--secrets", required=True)
    f.add_argument("--since", required=True)
    f.add_argument("--exclude", action="append", default=[],
                   help="not written by the extension (the test's, waagent's): not scanned")
    f.add_argument("--secret-file", action="append", default=[],
                   help="an intended secret file of the extension: not scanned, must be 0600")
    a = ap.parse_args()
    return sample(a) if a.cmd == "sample" else files(a)


if __name__ == "__main__":
    sys.exit(main())
