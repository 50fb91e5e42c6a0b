#!/usr/bin/env python3
"""Drive waagent's own extension-handling code through one goal state.

Runs inside the testbed VM (tests/testbed/README.md), where Debian's waagent
package is installed.  It plays the platform's side (a fake WireServer and
HostGAPlugin on 168.63.129.16, added to the loopback) and the agent's side
is waagent itself: WireProtocol fetches the goal state, the certificates
(a PFX encrypted to waagent's own transport certificate, which waagent
decrypts with openssl and writes as <THUMBPRINT>.crt/.prv), the
ExtensionsConfig and the manifest; ExtHandlersHandler downloads and unzips
our package, writes HandlerEnvironment.json and the settings, runs the
manifest's commands with its real environment and time limits; then its
status reporting reads our status file and uploads the aggregated status,
which the fake receives.  The loop is the agent's main loop
(ga/update.py _process_goal_state): process the goal state once, then
report status every --period seconds until our status for the goal
state's sequence number is terminal.

    waagent_drive.py --goal GOAL.json --out STATUS.json [--timeout S]

GOAL.json: {"incarnation": N, "name": "Publisher.Type", "version": "1.0.0",
  "state": "enabled"|"disabled"|"uninstall", "packages": {"1.0.0": ZIP, ...},
  "seq": 0, "public": {...}, "protected": BASE64|null, "thumbprint": HEX,
  "vm_cert": PEM, "vm_key": PEM}

STATUS.json: the last status blob waagent uploaded (the aggregate status it
built with its own parser from our status file), plus "driver": {"seconds",
"reports", "terminal"}.  Exit 0 when the goal state reached a terminal
status (for uninstall: the handler gone from the blob), 1 on timeout, 2 on
a usage or setup error.
"""

import argparse
import base64
import http.server
import json
import os
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import traceback

ENDPOINT = "168.63.129.16"
HGAP_PORT = 32526
LIB_DIR = "/var/lib/waagent"
CONF_FILE = "/etc/waagent-testbed.conf"


def log(msg):
    sys.stderr.write("waagent_drive: %s\n" % msg)
    sys.stderr.flush()


# ---- the platform's side ----------------------------------------------------------------

class Platform(object):
    """What the fake WireServer serves for one goal state, and what it got."""

    def __init__(self, goal):
        self.goal = goal
        self.lock = threading.Lock()
        self.status_blob = None
        self.uploads = 0
        self.requests = []

    def url(self, path, port=80):
        if port == 80:
            return "http://%s%s" % (ENDPOINT, path)
        return "http://%s:%d%s" % (ENDPOINT, port, path)

    def versions_xml(self):
        return ('<?xml version="1.0" encoding="utf-8"?><Versions>'
                '<Preferred><Version>2015-04-05</Version></Preferred>'
                '<Supported><Version>2015-04-05</Version>'
                '<Version>2012-11-30</Version></Supported></Versions>')

    def goal_state_xml(self):
        g = self.goal
        return """<?xml version="1.0" encoding="utf-8"?>
<GoalState xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="goalstate10.xsd">
  <Version>2012-11-30</Version>
  <Incarnation>%d</Incarnation>
  <Machine><ExpectedState>Started</ExpectedState><StopRolesDeadlineHint>300000</StopRolesDeadlineHint></Machine>
  <Container>
    <ContainerId>c6d5526c-5ac2-4200-b6e2-56f2b70c5ab2</ContainerId>
    <RoleInstanceList><RoleInstance>
      <InstanceId>b61f93d0-e1ed-40b2-b067-22c243233448.dxvm</InstanceId>
      <State>Started</State>
      <Configuration>
        <HostingEnvironmentConfig>%s</HostingEnvironmentConfig>
        <SharedConfig>%s</SharedConfig>
        <ExtensionsConfig>%s</ExtensionsConfig>
        <FullConfig>%s</FullConfig>
        <Certificates>%s</Certificates>
        <ConfigName>b61f93d0.dxvm.%d.xml</ConfigName>
      </Configuration>
    </RoleInstance></RoleInstanceList>
  </Container>
</GoalState>
""" % (g["incarnation"], self.url("/hostingenv"), self.url("/sharedconfig"),
       self.url("/extensionsconfig"), self.url("/fullconfig"),
       self.url("/certificates"), g["incarnation"])

    def hosting_env_xml(self):
        return ('<HostingEnvironmentConfig version="1.0.0.0" goalStateIncarnation="%d">'
                '<Deployment name="dxtb" guid="{00000000-0000-0000-0000-000000000001}" incarnation="1"/>'
                '<Incarnation number="1" instance="dxvm" guid="{00000000-0000-0000-0000-000000000002}"/>'
                '<Role guid="{00000000-0000-0000-0000-000000000003}" name="dxvm" settleTimeSeconds="0"/>'
                '</HostingEnvironmentConfig>' % self.goal["incarnation"])

    def shared_config_xml(self):
        return ('<SharedConfig version="1.0.0.0" goalStateIncarnation="%d">'
                '<Deployment name="dxtb" guid="{00000000-0000-0000-0000-000000000001}" incarnation="1">'
                '<Service name="dxtb" guid="{00000000-0000-0000-0000-000000000000}"/>'
                '<ServiceInstance name="dxtb.0" guid="{00000000-0000-0000-0000-000000000004}"/>'
                '</Deployment><Incarnation number="1" instance="dxvm" guid="{00000000-0000-0000-0000-000000000002}"/>'
                '<Role guid="{00000000-0000-0000-0000-000000000003}" name="dxvm" settleTimeSeconds="0"/>'
                '<Instances><Instance id="dxvm" address="10.0.0.4"/></Instances>'
                '</SharedConfig>' % self.goal["incarnation"])

    def certificates_xml(self, transport_cert_b64):
        """The VM's certificate and key as the platform sends them: a PFX
        (no password) in a CMS envelope for waagent's transport
        certificate, which waagent sent in a request header."""
        g = self.goal
        if not g.get("vm_cert"):
            return ('<?xml version="1.0" encoding="utf-8"?><CertificateFile>'
                    '<Version>2012-11-30</Version><Incarnation>%d</Incarnation>'
                    '<Format>Pkcs7BlobWithPfxContents</Format><Data></Data>'
                    '</CertificateFile>' % g["incarnation"])
        with tempfile.TemporaryDirectory() as d:
            tcert = os.path.join(d, "transport.pem")
            with open(tcert, "w") as f:
                f.write("-----BEGIN CERTIFICATE-----\n")
                for i in range(0, len(transport_cert_b64), 64):
                    f.write(transport_cert_b64[i:i + 64] + "\n")
                f.write("-----END CERTIFICATE-----\n")
            pfx = subprocess.run(
                ["openssl", "pkcs12", "-export", "-passout", "pass:",
                 "-in", g["vm_cert"], "-inkey", g["vm_key"]],
                check=True, stdout=subprocess.PIPE).stdout
            env = subprocess.run(
                ["openssl", "cms", "-encrypt", "-binary", "-outform", "DER",
                 "-des3", tcert], input=pfx, check=True,
                stdout=subprocess.PIPE).stdout
        return ('<?xml version="1.0" encoding="utf-8"?><CertificateFile>'
                '<Version>2012-11-30</Version><Incarnation>%d</Incarnation>'
                '<Format>Pkcs7BlobWithPfxContents</Format><Data>%s</Data>'
                '</CertificateFile>' % (g["incarnation"],
                                        # MIME base64: openssl's S/MIME reader
                                        # wants lines, as the platform sends
                                        base64.encodebytes(env).decode()))

    def extensions_config_xml(self):
        g = self.goal
        settings = {"publicSettings": g.get("public") or {}}
        if g.get("protected"):
            settings["protectedSettings"] = g["protected"]
            settings["protectedSettingsCertThumbprint"] = g["thumbprint"]
        runtime = json.dumps({"runtimeSettings": [{"handlerSettings": settings}]})
        return """<Extensions version="1.0.0.0" goalStateIncarnation="%d"><GuestAgentExtension xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
  <GAFamilies><GAFamily><Name>Prod</Name><Uris><Uri>%s</Uri></Uris></GAFamily></GAFamilies>
</GuestAgentExtension>
<Plugins>
  <Plugin name="%s" version="%s" location="%s" state="%s" autoUpgrade="false" failoverlocation="%s" runAsStartupTask="false" isJson="true" useExactVersion="true" />
</Plugins>
<PluginSettings>
  <Plugin name="%s" version="%s">
    <RuntimeSettings seqNo="%d">%s</RuntimeSettings>
  </Plugin>
</PluginSettings>
<StatusUploadBlob statusBlobType="BlockBlob">%s</StatusUploadBlob></Extensions>
""" % (g["incarnation"], self.url("/ga-manifest.xml"), g["name"], g["version"],
       self.url("/manifest.xml"), g["state"], self.url("/manifest.xml"),
       g["name"], g["version"], g["seq"], _xml_escape(runtime),
       _xml_escape(self.url("/status/dxvm.status?sv=2014-02-14&sig=x")))

    def manifest_xml(self):
        plugins = "".join(
            "<Plugin><Version>%s</Version><Uris><Uri>%s</Uri></Uris></Plugin>"
            % (v, self.url("/pkg/%s.zip" % v))
            for v in sorted(self.goal["packages"]))
        return ('<?xml version="1.0" encoding="utf-8"?><PluginVersionManifest '
                'xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><Plugins>%s'
                '</Plugins><InternalPlugins></InternalPlugins></PluginVersionManifest>'
                % plugins)

    def package(self, version):
        path = self.goal["packages"].get(version)
        if path is None:
            return None
        with open(path, "rb") as f:
            return f.read()

    def got_status(self, blob_text):
        with self.lock:
            self.status_blob = json.loads(blob_text)
            self.uploads += 1


def _xml_escape(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;")
             .replace(">", "&gt;"))


class Handler(http.server.BaseHTTPRequestHandler):
    platform = None
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # waagent's log is the one to read
        pass

    def reply(self, code, body=b"", ctype="text/xml; charset=utf-8"):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        p = self.platform
        port = self.server.server_address[1]
        path = self.path
        p.requests.append(("GET", port, path.split("?")[0]))
        if port == HGAP_PORT:
            if path.startswith("/versions"):
                return self.reply(200, json.dumps(["2015-09-01"]), "application/json")
            if path.startswith("/health"):
                return self.reply(200, "")
            if path.startswith("/extensionArtifact"):
                loc = self.headers.get("x-ms-artifact-location", "")
                return self.serve_artifact(loc.replace(p.url(""), "", 1))
            return self.reply(404, "")  # vmSettings: no Fast Track here
        if path.startswith("/?comp=versions"):
            return self.reply(200, p.versions_xml())
        if path.startswith("/machine/?comp=goalstate") or path.startswith("/machine?comp=goalstate"):
            return self.reply(200, p.goal_state_xml())
        if path == "/hostingenv":
            return self.reply(200, p.hosting_env_xml())
        if path == "/sharedconfig":
            return self.reply(200, p.shared_config_xml())
        if path == "/certificates":
            cert = self.headers.get("x-ms-guest-agent-public-x509-cert", "")
            try:
                return self.reply(200, p.certificates_xml(cert))
            except subprocess.CalledProcessError as e:
                log("cannot make the certificates envelope: %s" % e)
                return self.reply(500, "")
        if path == "/extensionsconfig":
            return self.reply(200, p.extensions_config_xml())
        return self.serve_artifact(path)

    def serve_artifact(self, path):
        p = self.platform
        if path == "/manifest.xml":
            return self.reply(200, p.manifest_xml())
        if path.startswith("/pkg/") and path.endswith(".zip"):
            data = p.package(path[len("/pkg/"):-len(".zip")])
            if data is not None:
                return self.reply(200, data, "application/octet-stream")
        return self.reply(404, "")

    def do_PUT(self):
        p = self.platform
        port = self.server.server_address[1]
        data = self.body()
        p.requests.append(("PUT", port, self.path.split("?")[0]))
        try:
            if port == HGAP_PORT and self.path.startswith("/status"):
                content = json.loads(data.decode())["content"]
                p.got_status(base64.b64decode(content).decode().rstrip(" \0"))
                return self.reply(200, "")
            if self.path.startswith("/status/"):
                p.got_status(data.decode().rstrip(" \0"))
                return self.reply(201, "")
        except (ValueError, KeyError) as e:
            log("bad status upload: %s" % e)
            return self.reply(400, "")
        return self.reply(200, "")

    def do_POST(self):
        self.body()
        self.platform.requests.append(("POST", self.server.server_address[1],
                                       self.path.split("?")[0]))
        self.reply(200, "")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def start_platform(platform):
    subprocess.run(["ip", "addr", "replace", ENDPOINT + "/32", "dev", "lo"],
                   check=True)
    handler = type("BoundHandler", (Handler,), {"platform": platform})
    servers = []
    for port in (80, HGAP_PORT):
        s = Server((ENDPOINT, port), handler)
        threading.Thread(target=s.serve_forever, daemon=True).start()
        servers.append(s)
    return servers


# ---- the agent's side: waagent's own code ---------------------------------------------

WAAGENT_CONF = """\
Provisioning.Agent=disabled
Extensions.Enabled=y
Extensions.GoalStatePeriod=2
AutoUpdate.Enabled=n
Debug.EnableFastTrack=n
Debug.CgroupLogMetrics=n
Debug.CgroupDisableOnProcessCheckFailure=y
Logs.Verbose=n
Logs.Console=n
OS.EnableFirewall=n
OS.EnableRDMA=n
Lib.Dir=/var/lib/waagent
Extension.LogDir=/var/log/azure
"""


def patch_waagent():
    """waagent 2.7.3's textutil.format_exception passes etype=, which
    Python 3.10 removed: every error path would raise TypeError
    (spec/testbed.md).  Patch that one helper, in place, so that every
    module that imported it by name gets the fix."""
    from azurelinuxagent.common.utils import textutil

    def format_exception(exception):
        return "%s\n%s" % (exception, "".join(traceback.format_exception(
            type(exception), exception, exception.__traceback__)))

    textutil.format_exception.__code__ = format_exception.__code__


def init_waagent():
    with open(CONF_FILE, "w") as f:
        f.write(WAAGENT_CONF)
    patch_waagent()
    import azurelinuxagent.common.conf as conf
    import azurelinuxagent.common.event as event
    import azurelinuxagent.common.logger as logger
    conf.load_conf_from_file(CONF_FILE)
    logger.reset_periodic()
    logger.add_logger_appender(logger.AppenderType.FILE, logger.LogLevel.INFO,
                               path=conf.get_agent_log_file())
    os.makedirs(conf.get_ext_log_dir(), mode=0o755, exist_ok=True)
    os.makedirs(LIB_DIR, mode=0o700, exist_ok=True)
    event.init_event_status(conf.get_lib_dir())
    event.init_event_logger(os.path.join(conf.get_lib_dir(), event.EVENTS_DIRECTORY))


def our_status(blob, name):
    """Our handler's entry in the uploaded aggregate status, or None."""
    if not blob:
        return None
    for h in blob.get("aggregateStatus", {}).get("handlerAggregateStatus", []):
        if h.get("handlerName") == name:
            return h
    return None


def is_terminal(goal, entry):
    if goal["state"] == "uninstall":
        return entry is None
    if entry is None:
        return False
    rs = entry.get("runtimeSettingsStatus") or {}
    if str(rs.get("sequenceNumber")) != str(goal["seq"]):
        return False
    st = ((rs.get("settingsStatus") or {}).get("status") or {}).get("status")
    if goal["state"] == "disabled":
        return entry.get("status") == "NotReady" or st in ("success", "error")
    return st in ("success", "error")


def drive(goal, out, timeout, period):
    platform = Platform(goal)
    servers = start_platform(platform)
    init_waagent()
    from azurelinuxagent.common.protocol.wire import WireProtocol
    from azurelinuxagent.ga.exthandlers import get_exthandlers_handler

    t0 = time.time()
    protocol = WireProtocol(ENDPOINT)
    protocol.detect()                 # versions, transport cert, goal state, certificates
    handler = get_exthandlers_handler(protocol)
    handler.run()                     # the goal state: download, commands, settings
    reports = 0
    terminal = False
    while True:
        protocol.update_goal_state()
        handler.report_ext_handlers_status(incarnation_changed=(reports == 0))
        reports += 1
        with platform.lock:
            blob = platform.status_blob
        if is_terminal(goal, our_status(blob, goal["name"])):
            terminal = True
            break
        if time.time() - t0 > timeout:
            break
        time.sleep(period)
    result = dict(blob or {})
    result["driver"] = {"seconds": round(time.time() - t0, 1), "reports": reports,
                        "uploads": platform.uploads, "terminal": terminal}
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
    os.replace(tmp, out)
    for s in servers:
        s.shutdown()
    return 0 if terminal else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--goal", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--period", type=float, default=1.0)
    a = ap.parse_args()
    try:
        with open(a.goal) as f:
            goal = json.load(f)
        for key in ("incarnation", "name", "version", "state", "packages", "seq"):
            if key not in goal:
                raise ValueError("goal: '%s' missing" % key)
    except (OSError, ValueError) as e:
        log(str(e))
        return 2
    return drive(goal, a.out, a.timeout, a.period)


if __name__ == "__main__":
    sys.exit(main())
