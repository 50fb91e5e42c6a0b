#!/usr/bin/env python3
"""Stage and zip the extension package, reproducibly.

Called by `make extension-zip` (Makefile.am, "the extension package").
The package runs on VMs that have none of our libraries and any glibc
(README, "The extension package"):

    HandlerManifest.json
    bin/docker-extension       static launcher (launcher/launcher.c)
    libexec/docker-extension   the real, dynamically linked handler
    lib/                       the dynamic loader it was built with and every
                               shared library the handler and the plugins
                               need, libc included, each under its SONAME;
                               also libcurl, which the handler dlopen()s on
                               its first download (--dlopen-lib), and what
                               it needs
    plugins/*.so               the distribution plugins

The zip is the same bytes for the same inputs: entries sorted, one fixed
timestamp (SOURCE_DATE_EPOCH, else 1980-01-01), fixed modes, deflate at a
fixed level, no extra fields.  waagent ignores the modes anyway (Python's
zipfile.extractall drops them, then it adds u+x to every file).
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

PROG = "make-extension-zip"

# The waagent contract (HandlerManifest.json): a JSON array whose element
# 0 holds handlerManifest; real JSON booleans (waagent 2.7 takes the
# string "false" for true).
#  - updateMode UpdateWithInstall: the handler's update leaves a marker so
#    that the old version's uninstall, which waagent runs after the new
#    update, keeps Docker and the containers; the new install and enable
#    clear it.
#  - reportHeartbeat false: the handler does not write heartbeat.log.
#  - enable returns within milliseconds by itself (it forks its worker),
#    so no background wrapper script.
COMMANDS = ("install", "enable", "disable", "uninstall", "update")
MANIFEST = [{
    # Informational only: waagent takes the identity from the goal state.
    "name": "Microsoft.Azure.Extensions.DockerExtension",
    "version": 1.0,
    "handlerManifest": dict(
        [(c + "Command", "bin/docker-extension " + c) for c in COMMANDS] + [
            ("rebootAfterInstall", False),
            ("reportHeartbeat", False),
            ("updateMode", "UpdateWithInstall"),
            ("continueOnUpdateFailure", False),
            ("supportsMultipleExtensions", False),
        ]),
}]

EXECUTABLE_MODE = 0o755
FILE_MODE = 0o644
DEFLATE_LEVEL = 9
ZIP_EPOCH_MIN = 315532800  # 1980-01-01T00:00:00Z, the earliest zip date


def die(msg):
    print("%s: %s" % (PROG, msg), file=sys.stderr)
    sys.exit(1)


def run(argv):
    """Output of a tool, in the C locale so that it can be parsed."""
    env = dict(os.environ, LC_ALL="C")
    env.pop("LD_LIBRARY_PATH", None)
    env.pop("LD_PRELOAD", None)
    try:
        p = subprocess.run(argv, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, check=False)
    except OSError as e:
        die("cannot run %s: %s" % (argv[0], e))
    return p.returncode, p.stdout.decode("utf-8", "replace")


def is_elf(path):
    with open(path, "rb") as f:
        return f.read(4) == b"\x7fELF"


def interpreter(path):
    """The PT_INTERP of an ELF program: the dynamic loader it needs."""
    rc, out = run(["readelf", "-lW", path])
    if rc != 0:
        die("readelf -l %s failed:\n%s" % (path, out))
    m = re.search(r"\[Requesting program interpreter: ([^\]]+)\]", out)
    if m is None:
        die("%s has no program interpreter: is it a static program?" % path)
    return m.group(1)


def dynamic_tags(path):
    """(tag, value) pairs of an ELF file's dynamic section."""
    rc, out = run(["readelf", "-dW", path])
    if rc != 0:
        die("readelf -d %s failed:\n%s" % (path, out))
    tags = []
    for line in out.splitlines():
        m = re.match(r"\s*0x[0-9a-f]+\s+\((\w+)\)\s+(.*)$", line)
        if m:
            v = re.search(r"\[(.*)\]", m.group(2))
            tags.append((m.group(1), v.group(1) if v else m.group(2)))
    return tags


def check_no_rpath(path):
    # DT_RPATH is searched before --library-path: a build-tree rpath in a
    # shipped file would make the VM look for libraries in our build
    # directory first.
    for tag, value in dynamic_tags(path):
        if tag in ("RPATH", "RUNPATH"):
            die("%s has %s %s: the package relies on --library-path alone "
                "(relink without -rpath)" % (path, tag, value))


def needed_libraries(path):
    """{name: real file} of every library `path` needs, recursively, as the
    build machine's loader resolves them (ldd), plus the loader itself
    under the key "<interp>"."""
    rc, out = run(["ldd", path])
    if rc != 0:
        die("ldd %s failed:\n%s" % (path, out))
    libs = {}
    for line in out.splitlines():
        line = line.strip()
        m = re.match(r"(\S+) => not found", line)
        if m:
            die("%s needs %s, which this machine does not have"
                % (path, m.group(1)))
        m = re.match(r"(\S+) => (/\S+) \(0x[0-9a-f]+\)$", line)
        if m:
            libs[m.group(1)] = os.path.realpath(m.group(2))
            continue
        m = re.match(r"(/\S+) \(0x[0-9a-f]+\)$", line)
        if m:
            libs["<interp>"] = os.path.realpath(m.group(1))
        # Anything else is the vDSO (linux-vdso.so.1), which the kernel
        # provides.
    return libs


def copy_file(src, dst, strip):
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copyfile(src, dst)
    if strip:
        # Debug sections name the build directory and are most of the
        # size; the symbol table stays for backtraces.
        rc, out = run([strip, "--strip-debug", dst])
        if rc != 0:
            die("%s --strip-debug %s failed:\n%s" % (strip, dst, out))


def zip_time():
    sde = os.environ.get("SOURCE_DATE_EPOCH")
    t = ZIP_EPOCH_MIN
    if sde:
        if not sde.isdigit():
            die("SOURCE_DATE_EPOCH=%s is not a number of seconds" % sde)
        t = max(int(sde), ZIP_EPOCH_MIN)
    return time.gmtime(t)[:6]


def write_zip(stage, files, output):
    """files: {archive name: mode}; written sorted, atomically."""
    when = zip_time()
    out_dir = os.path.dirname(os.path.abspath(output))
    fd, tmp = tempfile.mkstemp(prefix=".extension-zip.", dir=out_dir)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w") as z:
            for name in sorted(files):
                info = zipfile.ZipInfo(name, date_time=when)
                info.create_system = 3  # Unix, so that the mode means something
                info.external_attr = (0o100000 | files[name]) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                with open(os.path.join(stage, name), "rb") as f:
                    data = f.read()
                z.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED,
                           compresslevel=DEFLATE_LEVEL)
        os.chmod(tmp, 0o644)
        os.replace(tmp, output)
    except BaseException:
        os.unlink(tmp)
        raise


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--launcher", required=True,
                    help="the static launcher (bin/docker-extension)")
    ap.add_argument("--handler", required=True,
                    help="the handler program (libexec/docker-extension)")
    ap.add_argument("--plugin", action="append", default=[],
                    help="a plugin .so (plugins/<its name>); repeat")
    ap.add_argument("--extra-lib", action="append", default=[],
                    help="a library loaded with dlopen() rather than "
                    "DT_NEEDED (skipped when not an absolute path)")
    ap.add_argument("--dlopen-lib", action="append", default=[],
                    help="a library the handler dlopen()s by its SONAME "
                    "(libcurl): required, bundled with what it needs")
    ap.add_argument("--strip", default="",
                    help="strip program for our own binaries (empty: none)")
    ap.add_argument("--stage", required=True,
                    help="directory to lay the package out in (replaced)")
    ap.add_argument("--output", required=True, help="the zip to write")
    a = ap.parse_args()

    for path in [a.launcher, a.handler] + a.plugin:
        if not os.path.isfile(path):
            die("%s: not found (run make first)" % path)
        if not is_elf(path):
            die("%s is not an ELF file (a libtool wrapper script?)" % path)
    if not a.plugin:
        die("no --plugin given")
    # Unlike --extra-lib, a missing one is an error: the package would
    # start, and fail only at its first download on a VM.
    for x in a.dlopen_lib:
        if not os.path.isabs(x) or not os.path.isfile(x):
            die("--dlopen-lib %s: not found (the compiler's -print-file-name "
                "did not find it; install the runtime library)" % x)
        if not is_elf(x):
            die("--dlopen-lib %s is not an ELF file" % x)

    # The launcher execs lib/<the loader name compiled into it>; that must
    # be the loader the handler was linked for.
    interp = interpreter(a.handler)
    ldso_name = os.path.basename(interp)
    with open(a.launcher, "rb") as f:
        launcher_bytes = f.read()
    if b"DX_LDSO_NAME=" + ldso_name.encode() + b"\0" not in launcher_bytes:
        m = re.search(rb"DX_LDSO_NAME=([^\0]*)\0", launcher_bytes)
        die("the launcher starts %s but the handler needs %s (rebuild the "
            "launcher with -DDX_LDSO_NAME='\"%s\"')"
            % (m.group(1).decode() if m else "an unknown loader",
               ldso_name, ldso_name))
    if "interpreter" in run(["readelf", "-lW", a.launcher])[1]:
        die("%s is dynamically linked; it must be static" % a.launcher)
    # --argv0 came with glibc 2.33: without it the handler would not know
    # its own path, so would not find plugins/.
    rc, out = run([interp, "--help"])
    if "--argv0" not in out:
        die("%s does not support --argv0 (glibc >= 2.33 needed to build "
            "the package)" % interp)

    for path in [a.handler] + a.plugin:
        check_no_rpath(path)

    libs = {}
    loaded = [x for x in a.extra_lib
              if os.path.isabs(x) and os.path.isfile(x)] + a.dlopen_lib
    sources = [a.handler] + a.plugin + loaded
    for path in sources:
        for name, real in needed_libraries(path).items():
            if name == "<interp>":
                continue
            if name in libs and libs[name] != real:
                die("%s resolves to both %s and %s" % (name, libs[name], real))
            libs[name] = real
    for x in loaded:
        libs[os.path.basename(x)] = os.path.realpath(x)
    libs[ldso_name] = os.path.realpath(interp)

    if os.path.lexists(a.stage):
        shutil.rmtree(a.stage)
    os.makedirs(a.stage)
    files = {}

    def add(name, src, mode, strip=""):
        copy_file(src, os.path.join(a.stage, name), strip)
        files[name] = mode

    with open(os.path.join(a.stage, "HandlerManifest.json"), "w",
              encoding="utf-8") as f:
        json.dump(MANIFEST, f, indent=2)
        f.write("\n")
    files["HandlerManifest.json"] = FILE_MODE
    add("bin/docker-extension", a.launcher, EXECUTABLE_MODE, a.strip)
    add("libexec/docker-extension", a.handler, EXECUTABLE_MODE, a.strip)
    for p in a.plugin:
        add("plugins/" + os.path.basename(p), p, FILE_MODE, a.strip)
    # Distribution libraries as they are: already stripped, and copying
    # the real file (not the symlink) under the name the loader looks for.
    for name, real in libs.items():
        add("lib/" + name, real,
            EXECUTABLE_MODE if name == ldso_name else FILE_MODE)

    write_zip(a.stage, files, a.output)
    with open(a.output, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    print("%s: %s: %d files, %d bundled libraries (loader %s), %d bytes, "
          "sha256 %s" % (PROG, a.output, len(files), len(libs), ldso_name,
                         os.path.getsize(a.output), digest))


if __name__ == "__main__":
    main()
