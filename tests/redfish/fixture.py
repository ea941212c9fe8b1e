#!/usr/bin/env python3
"""fixture.py - a tiny Redfish service for the meter tests, bound to
127.0.0.1 on a free port (written to PORTFILE), optionally over TLS.

usage: fixture.py PORTFILE [CERT KEY]

Chassis ids choose the behaviour:
  power     /Power with PowerControl[0].PowerConsumedWatts = 312.5, no EnvironmentMetrics
  env       /EnvironmentMetrics with PowerWatts.Reading = 401
  missing   /Power whose PowerControl[0] has no PowerConsumedWatts
  nullw     /Power with PowerConsumedWatts = null
  malformed /Power with a body that is not JSON
  err500    HTTP 500
  slow      answers after 5 s (the client's timeout is shorter)
  psu       EnvironmentMetrics without PowerWatts; PowerSubsystem with two
            supplies drawing 100.5 W and 200 W
  psubad    PowerSubsystem whose second supply's Metrics has no reading
  absent    404 everywhere
Basic auth must be admin:secret; sessions (POST /redfish/v1/SessionService/Sessions)
give a token that chassis requests then accept. It exits by itself when its
parent dies or after 120 s, so a crashed test leaves nothing behind."""
import base64, json, os, ssl, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "tok-123"
GOOD = "Basic " + base64.b64encode(b"admin:secret").decode()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def send(self, code, body, headers=None):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(n) or b"{}")
        if self.path != "/redfish/v1/SessionService/Sessions":
            return self.send(404, {})
        if body.get("UserName") != "admin" or body.get("Password") != "secret":
            return self.send(401, {"error": "bad credentials"})
        self.send(201, {}, {"X-Auth-Token": TOKEN, "Location": "/redfish/v1/SessionService/Sessions/1"})

    def do_DELETE(self):
        self.send(204 if self.headers.get("X-Auth-Token") == TOKEN else 401, "")

    def do_GET(self):
        if self.headers.get("Authorization") != GOOD and self.headers.get("X-Auth-Token") != TOKEN:
            return self.send(401, {"error": "unauthorized"})
        parts = self.path.split("/")
        if len(parts) >= 6 and parts[4] in ("psu", "psubad") and parts[5] != "EnvironmentMetrics":
            return self.psu(parts[4], "/".join(parts[5:]))
        if len(parts) != 6 or parts[1:4] != ["redfish", "v1", "Chassis"]:
            return self.send(404, {})
        chassis, leaf = parts[4], parts[5]
        if chassis in ("psu", "psubad") and leaf == "EnvironmentMetrics":
            return self.send(200, {"TemperatureCelsius": {"Reading": 31}})
        if chassis == "env" and leaf == "EnvironmentMetrics":
            return self.send(200, {"PowerWatts": {"Reading": 401}})
        if chassis == "err500":
            return self.send(500, {"error": "internal"})
        if chassis == "slow":
            time.sleep(5)
            return self.send(200, {"PowerWatts": {"Reading": 1}})
        if leaf != "Power":
            return self.send(404, {})
        if chassis == "power":
            return self.send(200, {"PowerControl": [{"PowerConsumedWatts": 312.5}]})
        if chassis == "missing":
            return self.send(200, {"PowerControl": [{"Name": "System"}]})
        if chassis == "nullw":
            return self.send(200, {"PowerControl": [{"PowerConsumedWatts": None}]})
        if chassis == "malformed":
            return self.send(200, '{"PowerControl": [{"PowerConsumedWatts": 3')
        return self.send(404, {})

    def psu(self, chassis, rest):
        base = "/redfish/v1/Chassis/%s/PowerSubsystem/PowerSupplies" % chassis
        if rest == "PowerSubsystem/PowerSupplies":
            return self.send(200, {"Members": [{"@odata.id": base + "/0"}, {"@odata.id": base + "/1"}]})
        if rest == "PowerSubsystem/PowerSupplies/0/Metrics":
            return self.send(200, {"InputPowerWatts": {"Reading": 100.5}})
        if rest == "PowerSubsystem/PowerSupplies/1/Metrics":
            return self.send(200, {"InputPowerWatts": {"Reading": 200}} if chassis == "psu" else {})
        return self.send(404, {})


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    if len(sys.argv) == 4:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[2], sys.argv[3])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    parent, start = os.getppid(), time.time()

    def watchdog():
        while os.getppid() == parent and time.time() - start < 120:
            time.sleep(0.2)
        os._exit(0)

    threading.Thread(target=watchdog, daemon=True).start()
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, sys.argv[1])
    srv.serve_forever()


main()
