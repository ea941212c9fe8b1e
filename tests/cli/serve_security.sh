#!/usr/bin/env bash
# `geyser serve` hardening and the JSON API's validation: the bearer token
# guards changes (and is compared as a whole), TLS serves HTTPS, bad
# queries get 400/404 JSON errors with a reason, limits are enforced, and
# the dashboard and API index are served.
. "$(dirname "$0")/lib.bash"

# expect_code METHOD URL CODE DESCRIPTION [CURL ARGS...]: status and a JSON error body.
expect_code() {
  local method=$1 url=$2 want=$3 desc=$4; shift 4
  local code
  code=$(curl -s -k -o "$TMP/body" -w '%{http_code}' -X "$method" "$@" "$url")
  if [ "$code" != "$want" ]; then fail "$desc: HTTP $code, wanted $want ($(head -c 300 "$TMP/body"))"; return; fi
  if [ "$want" -ge 400 ]; then expect_json "$TMP/body" '.error | type == "string" and length > 10' "$desc: JSON error"
  else pass; fi
}

token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$token" >"$TMP/token"
start_serve --speed 3000 --tick-ms 100 --token-file "$TMP/token"
sleep 2
U=$SERVE_URL

# The token: required, compared whole, and then the change happens.
expect_code POST "$U/api/v1/mode?mode=observe" 401 "no token"
grep -qi 'www-authenticate: bearer' <(curl -s -D - -o /dev/null -X POST "$U/api/v1/mode?mode=observe") && pass || fail "WWW-Authenticate on 401"
expect_code POST "$U/api/v1/mode?mode=observe" 401 "wrong token" -H "Authorization: Bearer x$token"
expect_code POST "$U/api/v1/mode?mode=observe" 401 "token prefix" -H "Authorization: Bearer ${token:0:10}"
expect_code POST "$U/api/v1/mode?mode=observe" 401 "not bearer" -H "Authorization: Basic $token"
expect_code POST "$U/api/v1/mode?mode=sideways" 400 "bad mode value" -H "Authorization: Bearer $token"
expect_code POST "$U/api/v1/mode?mode=observe" 200 "the token" -H "Authorization: Bearer $token"
curl -s "$U/api/v1/plan" >"$TMP/plan.json"
expect_json "$TMP/plan.json" '.mode == "observe"' "mode changed"
expect_code POST "$U/api/v1/mode?mode=auto" 413 "a body is refused" -H "Authorization: Bearer $token" --data 'x=1'
expect_code GET "$U/api/v1/status" 200 "reads need no token"

# Query validation.
expect_code GET "$U/api/v1/hosts/no-such-host" 404 "unknown host"
expect_code GET "$U/api/v1/hosts/no-such-host/series" 404 "unknown host series"
expect_code GET "$U/api/v1/vms/no-such-vm/series" 404 "unknown VM"
expect_code GET "$U/api/v1/hosts/host-0001/series?from=yesterday" 400 "bad from"
expect_code GET "$U/api/v1/hosts/host-0001/series?to=-5" 400 "negative to"
expect_code GET "$U/api/v1/hosts/host-0001/series?from=100&to=50" 400 "to before from"
expect_code GET "$U/api/v1/hosts/host-0001/series?step=0" 400 "zero step"
expect_code GET "$U/api/v1/hosts/host-0001/series?step=nan" 400 "NaN step"
expect_code GET "$U/api/v1/hosts/host-0001/series?from=0&to=2000000&step=1" 400 "too many points"
expect_code GET "$U/api/v1/series?from=0&to=99999999" 400 "range too long"
expect_code GET "$U/api/v1/events?type=explosion" 400 "bad event type"
expect_code GET "$U/api/v1/events?limit=0" 400 "bad limit"
expect_code GET "$U/api/v1/events?host=nope" 404 "events of an unknown host"
expect_code GET "$U/api/v1/hosts/host-0001/nothing" 404 "unknown sub-resource"
expect_code GET "$U/api/v1/$(head -c 2000 /dev/zero | tr '\0' a)" 414 "path too long"
args=$(for i in $(seq 40); do printf 'a%d=1&' "$i"; done)
expect_code GET "$U/api/v1/status?$args" 400 "too many arguments"
expect_code GET "$U/api/v1/status?x=$(head -c 400 /dev/zero | tr '\0' a)" 400 "argument too long"

# The resources.
curl -sf "$U/api/v1/hosts/host-0001/series?from=now-3600&step=60" >"$TMP/s.json" || fail "host series"
expect_json "$TMP/s.json" '(.t | length) == (.power_w | length) and (.t | length) > 10 and (.power_w | map(select(. != null)) | length) > 5' "host series has points"
curl -sf "$U/api/v1/hosts-series?from=now-3600&step=60" >"$TMP/all.json" || fail "hosts-series"
expect_json "$TMP/all.json" '. as $r | ($r.hosts | length) == 800 and ($r.t | length) > 10 and all($r.hosts[]; (.power_w | length) == ($r.t | length) and (.cpu_utilization | length) == ($r.t | length))' "hosts-series: every host, aligned"
expect_code GET "$U/api/v1/hosts-series?step=-1" 400 "hosts-series: bad step"
expect_code GET "$U/api/v1/hosts-series?format=xml" 400 "hosts-series: unknown format"
# Large answers go gzipped to clients that accept it, and decode to the same
# document; "gzip;q=0" refuses it; small answers are sent as they are. (The
# range ends in the past so that both answers hold the same finished buckets.)
range=$(jq -r '"from=\(.from)&to=\(.to - 3 * .step)&step=\(.step)"' "$TMP/all.json")
curl -sf "$U/api/v1/hosts-series?$range" -o "$TMP/plain.json" || fail "hosts-series again"
curl -sf -D "$TMP/gz.h" -H 'Accept-Encoding: br, gzip' "$U/api/v1/hosts-series?$range" -o "$TMP/all.gz" || fail "hosts-series gzip"
grep -qi '^content-encoding: gzip' "$TMP/gz.h" && [ "$(stat -c %s "$TMP/all.gz")" -lt "$(stat -c %s "$TMP/plain.json")" ] &&
  gzip -dc "$TMP/all.gz" | cmp -s - "$TMP/plain.json" && pass || fail "gzip answer decodes to the plain one: $(cat "$TMP/gz.h")"
curl -sf -D "$TMP/q0.h" -H 'Accept-Encoding: gzip;q=0' "$U/api/v1/hosts-series?$range" -o /dev/null || fail "hosts-series q=0"
grep -qi '^content-encoding' "$TMP/q0.h" && fail "gzip;q=0 still compressed" || pass
curl -sf -D "$TMP/small.h" -H 'Accept-Encoding: gzip' "$U/api/v1/status" -o /dev/null || fail "status"
grep -qi '^content-encoding' "$TMP/small.h" && fail "small answer compressed" || pass
# The 16-bit binary form of the same range decodes to the JSON's values
# (within the quantization step; the last bucket may still be filling).
range=$(jq -r '"from=\(.from)&to=\(.to)&step=\(.step)"' "$TMP/all.json")
curl -sf "$U/api/v1/hosts-series?$range&format=u16" -o "$TMP/all.u16" || fail "hosts-series u16"
if python3 - "$TMP/all.json" "$TMP/all.u16" >"$TMP/u16.out" 2>&1 <<'PY'
import json, struct, sys
j = json.load(open(sys.argv[1])); b = open(sys.argv[2], "rb").read()
assert b[:4] == b"GHS1", "magic"
hl = struct.unpack("<I", b[4:8])[0]
assert hl % 4 == 0, "header padded to 4 bytes"
h = json.loads(b[8:8 + hl]); n = h["n"]; nh = len(h["hosts"])
assert h["format"] == "u16" and n == len(j["t"]) and h["t"] == j["t"], "same buckets"
assert len(b) == 8 + hl + nh * n * 4, "size %d" % len(b)
assert h["hosts"] == [x["name"] for x in j["hosts"]], "same hosts"
checked = 0
for k, host in enumerate(j["hosts"]):
    q = struct.unpack_from("<%dH" % (2 * n), b, 8 + hl + k * n * 4)
    for i in range(n - 1):
        pw, u = host["power_w"][i], host["cpu_utilization"][i]
        if pw is None:
            assert q[i] == 65535, "gap"
            continue
        w = h["power_min"][k] + q[i] * h["power_scale"][k]
        assert abs(w - pw) <= h["power_scale"][k] / 2 + 0.011, (host["name"], i, w, pw)
        assert abs(q[n + i] / 65534 - u) <= 1e-4, (host["name"], i, q[n + i], u)
        checked += 1
assert checked > 1000, checked
print("checked", checked)
PY
then pass; else fail "hosts-series u16 decodes to the JSON: $(tail -3 "$TMP/u16.out")"; fi
curl -sf "$U/api/v1/vms/walk-0/series?from=now-3600" >"$TMP/v.json" || fail "VM series"
expect_json "$TMP/v.json" '.vm == "walk-0" and (.cpu_utilization | map(select(. != null)) | length) > 0' "VM series"
curl -sf "$U/api/v1/energy?from=0" >"$TMP/e.json" || fail "energy"
expect_json "$TMP/e.json" '.energy_kwh > 0 and .baseline_kwh > .energy_kwh and .saving_pct > 0' "energy and saving"
curl -sf "$U/api/v1/events?from=0&type=power_off&limit=5" >"$TMP/ev.json" || fail "events"
expect_json "$TMP/ev.json" '(.events | length) > 0 and all(.events[]; .type == "power_off" and (.reason | length) > 0)' "power-off events with reasons"
curl -sf "$U/api/v1/events?from=0&type=migration&limit=5" >"$TMP/mig.json" || fail "migration events"
expect_json "$TMP/mig.json" 'all(.events[]; .mode != null and .duration_s > 0 and .vm != null and .target != null)' "migration events"
curl -sf "$U/api/v1/models" >"$TMP/m.json" || fail "models"
expect_json "$TMP/m.json" '(.models | length) == 2 and all(.models[]; .fit.r2 == null and (.curve | length) == 21)' "models"
curl -sf "$U/api/v1/hosts" >"$TMP/h.json" || fail "hosts"
expect_json "$TMP/h.json" 'all(.hosts[]; .server_type != "" and .model != "" and .state != null)' "hosts carry type and model"
curl -sf "$U/api/v1/" >"$TMP/idx.json" || fail "API index"
expect_json "$TMP/idx.json" '.resources | has("/api/v1/series")' "API index"
curl -sf "$U/" | grep -q '<title>geyser</title>' && pass || fail "dashboard at /"
curl -sfI "$U/assets/uplot.js" | grep -qi 'content-type: text/javascript' && pass || fail "uPlot served"

# TLS: HTTPS with a throw-away certificate.
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -days 1 \
  -keyout "$TMP/key.pem" -out "$TMP/cert.pem" >/dev/null 2>&1 || fail "openssl"
port=$(free_port)
"$GEYSER" serve --listen 127.0.0.1:"$port" --tls-cert "$TMP/cert.pem" --tls-key "$TMP/key.pem" \
  --speed 600 --tick-ms 200 2>"$TMP/tls.err" &
tls_pid=$!
trap 'kill "$SERVE_PID" "$tls_pid" 2>/dev/null; wait "$SERVE_PID" "$tls_pid" 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 100); do grep -q 'port' "$TMP/tls.err" 2>/dev/null && break; sleep 0.1; done
curl -sf --cacert "$TMP/cert.pem" "https://127.0.0.1:$port/healthz" | grep -q ok && pass || fail "HTTPS: $(cat "$TMP/tls.err")"
curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && fail "plain HTTP on a TLS port answered" || pass
kill "$tls_pid"; wait "$tls_pid" 2>/dev/null

expect_fail 1 "both a certificate" "cert without key" -- serve --tls-cert "$TMP/cert.pem" --listen 127.0.0.1:0 --run-for 1
printf 'short\n' >"$TMP/short"
expect_fail 1 "shorter than 16" "short token" -- serve --token-file "$TMP/short" --listen 127.0.0.1:0 --run-for 1
expect_fail 1 "cannot open the token file" "missing token file" -- serve --token-file "$TMP/none" --listen 127.0.0.1:0 --run-for 1
finish
