#!/usr/bin/env python3
"""RFC 9111 (and 9110, 5861, 9211, 9213) rules, one by one, against several caching proxies
that share one origin. Run by bench/run-rfc9111.sh, which starts the proxies; this starts
the origin's front door itself.

The origin is the upstream-stub's /__stub/respond (it answers with whatever fields its
query asks for). In front of it, on --origin-port, this script runs a small recording
gate that every proxy is configured to use as its upstream: it forwards each request to
the stub unchanged, records what reached the origin (method, target, If-None-Match,
Range, the client's X-Req-Id, the status answered), and can play an outage (answer 503,
or refuse connections). Every client request carries a unique X-Req-Id and every target
asks the stub to echo it (X-Echo-X-Req-Id), so both sides say whether an answer came
from the origin or from the cache. Each rule uses its own target per proxy (the `t`
parameter), so no rule sees another's entries.

  rfc9111.py --origin-port G --stub-port S --proxy NAME=PORT [--proxy ...]
             [--documented NAME] [--json FILE]

Prints a Markdown table (rule, then PASS / FAIL / — and what happened, per proxy).
--documented names the proxy whose documentation claims the optional rows (RFC 9213,
RFC 9211, the request's own directives): for the others, not doing them is "—".
Standard library only; loopback only; every wait is bounded.
"""

import argparse
import concurrent.futures
import email.utils
import http.client
import http.server
import json
import re
import sys
import threading
import time
import urllib.parse

HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}
BODY = "".join(chr(ord("a") + i % 26) for i in range(1000))  # the stub's body pattern


# ---------------------------------------------------------------------------------------
# The origin's front door: forwards to the stub, records, plays outages.

class Gate:
    def __init__(self, port, stub_port):
        self.port, self.stub_port = port, stub_port
        self.mode = "up"  # up | 503 | refuse
        self.lock = threading.Lock()
        self.log = []
        self.server = None

    def start(self):
        gate = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                entry = {
                    "t": time.monotonic(),
                    "method": self.command,
                    "target": self.path,
                    "token": (query.get("t") or [""])[0],
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "status": None,
                    "response": {},
                }
                with gate.lock:
                    gate.log.append(entry)
                self.close_connection = True
                if gate.mode != "up":
                    entry["status"] = 503
                    msg = b"origin down\n"
                    self.wfile.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
                                     b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(msg), msg))
                    return
                conn = http.client.HTTPConnection("127.0.0.1", gate.stub_port, timeout=30)
                try:
                    conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                    for k, v in self.headers.items():
                        if k.lower() not in HOP and k.lower() != "content-length":
                            conn.putheader(k, v)
                    if body or self.command not in ("GET", "HEAD"):
                        conn.putheader("Content-Length", str(len(body)))
                    conn.endheaders(body or None)
                    resp = conn.getresponse()
                    data = resp.read()
                    entry["status"] = resp.status
                    entry["response"] = {k.lower(): v for k, v in resp.getheaders()}
                    out = ["HTTP/1.1 %d %s" % (resp.status, resp.reason)]
                    had_length = False
                    for k, v in resp.getheaders():
                        if k.lower() in HOP:
                            continue
                        had_length |= k.lower() == "content-length"
                        out.append("%s: %s" % (k, v))
                    bodiless = self.command == "HEAD" or resp.status in (204, 304)
                    if not had_length and not bodiless:
                        out.append("Content-Length: %d" % len(data))
                    out.append("Connection: close")
                    self.wfile.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1"))
                    if not bodiless:
                        self.wfile.write(data)
                finally:
                    conn.close()

            do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = handle_any

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def set_mode(self, mode):
        """up | 503 (answers every request 503) | refuse (nothing listens: connection refused)."""
        if mode == "refuse":
            self.stop()
        elif self.server is None:
            self.start()
        self.mode = mode

    def requests(self, token):
        with self.lock:
            return [e for e in self.log if e["token"] == token]

    def saw(self, req_id):
        with self.lock:
            return [e for e in self.log if e["headers"].get("x-req-id") == req_id]


# ---------------------------------------------------------------------------------------
# Clients.

class Resp:
    def __init__(self, status, headers, body, req_id, elapsed):
        self.status, self.headers, self.body, self.id, self.elapsed = status, headers, body, req_id, elapsed

    def h(self, name, default=""):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default

    def all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def echo(self):  # the X-Req-Id of the client request whose fetch produced this answer
        return self.h("X-Echo-X-Req-Id")


class Ctx:
    def __init__(self, gate, run, documented):
        self.gate, self.run, self.documented = gate, run, documented
        self.n = 0
        self.lock = threading.Lock()

    def next_id(self):
        with self.lock:
            self.n += 1
            return "%s-%d" % (self.run, self.n)


class Proxy:
    def __init__(self, ctx, name, port):
        self.ctx, self.name, self.port = ctx, name, port
        self.slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")

    def documented(self):
        return self.name == self.ctx.documented

    def send(self, method, target, headers=None, timeout=20):
        req_id = self.ctx.next_id()
        hdrs = {"X-Req-Id": req_id, "Connection": "close"}
        hdrs.update(headers or {})
        t0 = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, target, body=b"" if method == "POST" else None, headers=hdrs)
            r = conn.getresponse()
            body = r.read()
            return Resp(r.status, r.getheaders(), body.decode("latin-1"), req_id, time.monotonic() - t0)
        finally:
            conn.close()

    def get(self, target, headers=None):
        return self.send("GET", target, headers)

    def origin(self, resp):
        """Did this client request reach the origin (synchronously)?"""
        return bool(self.ctx.gate.saw(resp.id))


def target(token, **params):
    """/__stub/respond with the given fields; header= may be a list; values percent-encoded."""
    params.setdefault("size", 10)
    pairs = []
    for k, v in params.items():
        for one in (v if isinstance(v, list) else [v]):
            pairs.append((k, str(one)))
    pairs += [("echo_header", "X-Req-Id"), ("t", token)]
    return "/__stub/respond?" + urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote, safe="")


def http_date(ts):
    return email.utils.formatdate(ts, usegmt=True)


def let_time_pass(since, seconds):
    """Freshness rules need wall-clock time to pass: wait until `seconds` after `since`."""
    left = since + seconds - time.monotonic()
    if left > 0:
        time.sleep(left)


def poll_refetch(p, tgt, token, since, deadline, headers=None):
    """GET tgt every 0.2 s until the origin is asked for it again (more requests than the
    first), at most `deadline` s after `since`. Returns (seconds after `since` at which the
    origin was asked again, or None; the answers got meanwhile)."""
    first = len(p.ctx.gate.requests(token))
    answers = []
    while time.monotonic() - since < deadline:
        answers.append(p.get(tgt, headers))
        reqs = p.ctx.gate.requests(token)
        if len(reqs) > first:
            return reqs[first]["t"] - since, answers
        time.sleep(0.2)
    return None, answers


def inm(entry):
    return entry["headers"].get("if-none-match")


def cond(entry):
    v = inm(entry)
    ims = entry["headers"].get("if-modified-since")
    return ("If-None-Match: %s" % v) if v else (("If-Modified-Since" if ims else "unconditional"))


# ---------------------------------------------------------------------------------------
# The rules. Each takes a proxy and returns (verdict, note); verdict PASS, FAIL or "—"
# (the proxy has no such feature, or the row is a policy choice).

RULES = []


def rule(number, title):
    def wrap(fn):
        RULES.append((number, title, fn))
        return fn
    return wrap


def tok(p, name):
    """The `t` of a rule's target for one proxy: unique per run, rule and proxy."""
    return "%s.%s.%s" % (p.ctx.run, name, p.slug)


def cached_twice(p, name, **params):
    """GET twice; returns (first, second, second came from the cache)."""
    t = target(tok(p, name), **params)
    a = p.get(t)
    b = p.get(t)
    return a, b, not p.origin(b) and b.echo == a.id


@rule("1", "`s-maxage` beats `max-age` (shared cache)")
def r_smaxage(p):
    _, _, hit = cached_twice(p, "smaxage-a", cache_control="max-age=0, s-maxage=300")
    tb = tok(p, "smaxage-b")
    t = target(tb, cache_control="max-age=300, s-maxage=2")
    p.get(t)
    since = time.monotonic()
    after, _ = poll_refetch(p, t, tb, since, 7)
    ok = hit and after is not None and 1 <= after <= 4.5
    return ("PASS" if ok else "FAIL",
            "`max-age=0, s-maxage=300`: %s; `max-age=300, s-maxage=2`: %s" %
            ("cached" if hit else "not cached",
             "origin asked again after %.1f s" % after if after is not None else "still cached after 7 s"))


@rule("2", "`max-age` beats `Expires`")
def r_maxage_expires(p):
    now = time.time()
    _, _, hit = cached_twice(p, "maxexp-a", cache_control="max-age=300",
                             header=["Date: " + http_date(now), "Expires: " + http_date(now - 3600)])
    tb = tok(p, "maxexp-b")
    t = target(tb, cache_control="max-age=2", header=["Date: " + http_date(now), "Expires: " + http_date(now + 3600)])
    p.get(t)
    since = time.monotonic()
    after, _ = poll_refetch(p, t, tb, since, 7)
    ok = hit and after is not None and 1 <= after <= 4.5
    return ("PASS" if ok else "FAIL",
            "`max-age=300` + past `Expires`: %s; `max-age=2` + `Expires` in 1 h: %s" %
            ("cached" if hit else "not cached",
             "origin asked again after %.1f s" % after if after is not None else "still cached after 7 s"))


@rule("3", "`Expires` − `Date` when there is no `max-age`")
def r_expires(p):
    now = int(time.time())
    tb = tok(p, "expires")
    t = target(tb, header=["Date: " + http_date(now), "Expires: " + http_date(now + 3)])
    a = p.get(t)
    since = time.monotonic()
    b = p.get(t)
    hit = not p.origin(b) and b.echo == a.id
    after, _ = poll_refetch(p, t, tb, since, 8)
    ok = hit and after is not None and 0.5 <= after <= 5
    return ("PASS" if ok else "FAIL",
            "`Expires` = `Date` + 3 s: %s, %s" %
            ("cached" if hit else "not cached",
             "origin asked again after %.1f s" % after if after is not None else "still cached after 8 s"))


@rule("4", "a received `Age` counts against the lifetime")
def r_age(p):
    ta = tok(p, "age-a")
    t = target(ta, cache_control="max-age=100", header="Age: 98")
    p.get(t)
    since = time.monotonic()
    b = p.get(t)
    hit = not p.origin(b)
    after, _ = poll_refetch(p, t, ta, since, 8)
    _, _, stale_hit = cached_twice(p, "age-b", cache_control="max-age=100", header="Age: 100")
    ok = hit and after is not None and after <= 4 and not stale_hit
    return ("PASS" if ok else "FAIL",
            "`max-age=100`, `Age: 98`: %s, %s; `Age: 100`: %s" %
            ("cached" if hit else "not cached",
             "stale after %.1f s" % after if after is not None else "still fresh after 8 s",
             "served from cache" if stale_hit else "not served from cache"))


@rule("5", "the `Age` sent is the received `Age` plus the time the answer spent in the cache")
def r_age_sent(p):
    t = target(tok(p, "age-sent"), cache_control="max-age=100", header="Age: 90")
    p.get(t)
    let_time_pass(time.monotonic(), 2.2)
    b = p.get(t)
    if p.origin(b):
        return "FAIL", "not cached"
    ages = b.all("Age")
    ok = len(ages) == 1 and ages[0].isdigit() and 92 <= int(ages[0]) <= 94
    return ("PASS" if ok else "FAIL",
            "arrived with `Age: 90`, 2.2 s later the hit says `Age: %s`" % ", ".join(ages) if ages else "no `Age`")


@rule("6", "`no-store` is not stored")
def r_no_store(p):
    _, _, hit = cached_twice(p, "nostore", cache_control="max-age=60, no-store")
    return ("FAIL" if hit else "PASS", "`max-age=60, no-store`: %s" % ("served from cache" if hit else "origin asked each time"))


@rule("7", "`private` is not stored by a shared cache")
def r_private(p):
    _, _, hit = cached_twice(p, "private", cache_control="private, max-age=60")
    return ("FAIL" if hit else "PASS", "`private, max-age=60`: %s" % ("served from cache" if hit else "origin asked each time"))


@rule("8", "`no-cache`: the origin is asked before every reuse (conditionally, with a validator)")
def r_no_cache(p):
    tn = tok(p, "nocache")
    t = target(tn, cache_control="max-age=60, no-cache", etag='"nc1"')
    rs = [p.get(t) for _ in range(3)]
    reqs = p.ctx.gate.requests(tn)
    asked = all(p.origin(r) for r in rs)
    conds = [cond(e) for e in reqs[1:]]
    return ("PASS" if asked else "FAIL",
            "`max-age=60, no-cache`, `ETag`: %d requests, %d reached the origin (%s)" %
            (len(rs), len(reqs), ", ".join(conds) if conds else "-"))


@rule("10", "`stale-while-revalidate` (RFC 5861): stale answered at once, refreshed in the background")
def r_swr(p):
    tn = tok(p, "swr")
    t = target(tn, cache_control="max-age=1, stale-while-revalidate=30", delay_ms=700)
    a = p.get(t)
    stored = time.monotonic()
    let_time_pass(stored, 2.2)
    b = p.get(t)
    stale_fast = b.echo == a.id and b.elapsed < 0.5
    # The refresh reaches the origin (poll the origin's log), then the entry answers anew.
    refreshed, deadline = None, time.monotonic() + 6
    while time.monotonic() < deadline:
        if len(p.ctx.gate.requests(tn)) >= 2 and p.ctx.gate.requests(tn)[1]["status"] is not None:
            break
        time.sleep(0.1)
    asked = len(p.ctx.gate.requests(tn)) >= 2
    while asked and time.monotonic() < deadline:
        c = p.get(t)
        if c.echo != a.id:
            refreshed = c
            break
        time.sleep(0.1)
    ok = stale_fast and asked and refreshed is not None and not p.origin(refreshed)
    if b.echo != a.id:
        what = "expired answer not used: waited %.2f s for the origin" % b.elapsed
    else:
        what = "stale answer in %.2f s" % b.elapsed
    return ("PASS" if ok else "FAIL",
            "%s; origin %s; %s" % (what, "asked in the background" if asked and b.echo == a.id else ("asked" if asked else "not asked"),
                                   "next answer is the refreshed one from cache" if refreshed is not None and not p.origin(refreshed)
                                   else "no refreshed entry within 6 s"))


@rule("11", "`Vary: Accept-Language`: each language gets its own answer, each is cached")
def r_vary(p):
    t = target(tok(p, "vary"), cache_control="max-age=60", vary="Accept-Language", echo_header="Accept-Language")
    got = []
    for lang in ("en", "fr", "en", "fr"):
        r = p.get(t, {"Accept-Language": lang})
        got.append((lang, r.h("X-Echo-Accept-Language"), p.origin(r)))
    right = all(lang == echoed for lang, echoed, _ in got)
    cached = [not o for _, _, o in got[2:]]
    ok = right and all(cached)
    return ("PASS" if ok else "FAIL",
            "%s; repeats: en %s, fr %s" % ("each got its language" if right else
                                            "wrong variant: " + ", ".join("%s->%s" % (l, e) for l, e, _ in got),
                                            "cached" if cached[0] else "origin", "cached" if cached[1] else "origin"))


@rule("12", "`Vary: *` is never served from cache")
def r_vary_star(p):
    _, _, hit = cached_twice(p, "varystar", cache_control="max-age=60", vary="*")
    return ("FAIL" if hit else "PASS", "served from cache" if hit else "origin asked each time")


@rule("13", "an expired entry is revalidated with `If-None-Match`; the 304's fields update it (§3.2, §4.3.4)")
def r_revalidate(p):
    tn = tok(p, "reval")
    # The origin takes 0.5 s, so an answer sent sooner after expiry is the stale copy.
    t = target(tn, cache_control="max-age=2", etag='"r1"', echo_header="X-Version", delay_ms=500)
    a = p.get(t, {"X-Version": "1"})
    let_time_pass(time.monotonic(), 3.2)
    b = p.get(t, {"X-Version": "2"})
    # A background revalidation (a stale answer first) is awaited in the origin's log.
    deadline = time.monotonic() + 5
    reqs = p.ctx.gate.requests(tn)
    while (len(reqs) < 2 or reqs[1]["status"] is None) and time.monotonic() < deadline:
        time.sleep(0.1)
        reqs = p.ctx.gate.requests(tn)
    if len(reqs) < 2:
        return "FAIL", "origin not asked after expiry"
    second = reqs[1]
    carried = second["response"].get("x-echo-x-version", "")
    # The entry it freshened (fresh for 2 s) answers next; one revalidated in the background
    # may be stored just after the origin answered: a bounded poll of 1 s.
    first_hit, c, deadline = None, None, time.monotonic() + 1
    while time.monotonic() < deadline:
        c = p.get(t, {"X-Version": "3"})
        if p.origin(c):
            break
        first_hit = first_hit or c
        if c.h("X-Echo-X-Version") == carried:
            break
        time.sleep(0.1)
    fresh = c is not None and not p.origin(c)
    updated = fresh and c.h("X-Echo-X-Version") == carried == "2"
    conditional = inm(second) == '"r1"'
    ok = conditional and second["status"] == 304 and updated and c.status == 200 and c.body == BODY[:10]
    return ("PASS" if ok else "FAIL",
            "after expiry: %s; origin asked %s, answered %s (with `X-Echo-X-Version: %s`); "
            "next answer %s, `X-Echo-X-Version: %s`" %
            ("the stale copy at once" if b.elapsed < 0.4 else "waited for the origin", cond(second), second["status"], carried,
             "from cache" if fresh else "from the origin again",
             (c.h("X-Echo-X-Version") if fresh else (first_hit.h("X-Echo-X-Version") if first_hit else "-")) or "-"))


@rule("14", "a client `If-None-Match` matching the cached `ETag` gets 304 from the cache")
def r_client_inm(p):
    t = target(tok(p, "inm"), cache_control="max-age=60", etag='"c1"')
    p.get(t)
    b = p.get(t, {"If-None-Match": '"c1"'})
    ok = b.status == 304 and not p.origin(b)
    return ("PASS" if ok else "FAIL", "%d %s" % (b.status, "from the cache" if not p.origin(b) else "via the origin"))


@rule("15", "`Range: bytes=10-19` on a cached 200 gets 206 from the cache")
def r_range(p):
    def ranged(name, **extra):
        t = target(tok(p, name), cache_control="max-age=60", size=100, **extra)
        p.get(t)
        return p.get(t, {"Range": "bytes=10-19"})
    b = ranged("range")
    cut = b.status == 206 and b.body == BODY[10:20] and b.h("Content-Range") == "bytes 10-19/100"
    whole = b.status == 200 and b.body == BODY[:100]
    cached = not p.origin(b)
    note = "%d%s, %s" % (b.status, " `%s` %r" % (b.h("Content-Range"), b.body) if b.status == 206 else
                         (" (the whole 100 bytes)" if whole else " %r" % b.body[:20]),
                         "from the cache" if cached else "via the origin")
    if cut and cached:
        return "PASS", note
    if whole and not p.documented():
        # RFC 9110 §14.2 lets a server ignore Range; what makes this proxy cut ranges?
        c = ranged("range-ar", header="Accept-Ranges: bytes")
        return "—", note + "; when the origin sends `Accept-Ranges: bytes`: %d%s" % (
            c.status, " `%s`" % c.h("Content-Range") if c.status == 206 else "")
    return "FAIL", note


@rule("15b", "`Range` on a cold key: a right answer; is the whole answer stored?")
def r_range_cold(p):
    tn = tok(p, "rangecold")
    t = target(tn, cache_control="max-age=60", size=100)
    a = p.get(t, {"Range": "bytes=10-19"})
    reqs = p.ctx.gate.requests(tn)
    fwd_range = reqs[0]["headers"].get("range") if reqs else None
    b = p.get(t)
    stored = not p.origin(b) and b.status == 200 and len(b.body) == 100
    right = (a.status == 206 and a.body == BODY[10:20]) or (a.status == 200 and a.body == BODY[:100])
    return ("PASS" if right else "FAIL",
            "answered %d (%d bytes); origin got %s; whole answer %s" %
            (a.status, len(a.body), "`Range: %s`" % fwd_range if fwd_range else "no `Range`",
             "stored (next GET a hit)" if stored else "not stored"))


@rule("16", "an unsafe method invalidates (§4.4): POST answered 200, the next GET goes to the origin")
def r_unsafe(p):
    t = target(tok(p, "unsafe"), cache_control="max-age=60")
    p.get(t)
    b = p.get(t)
    post = p.send("POST", t)
    c = p.get(t)
    hit_before = not p.origin(b)
    ok = hit_before and post.status == 200 and p.origin(post) and p.origin(c)
    return ("PASS" if ok else "FAIL",
            "GET %s; POST %d %s; next GET %s" % ("cached" if hit_before else "not cached", post.status,
                                                 "reached the origin" if p.origin(post) else "did not reach the origin",
                                                 "from the origin" if p.origin(c) else "still from cache"))


@rule("16b", "... and the URI in its `Location` (§4.4 MAY; same host)")
def r_unsafe_location(p):
    other = target(tok(p, "unsafe-loc-other"), cache_control="max-age=60")
    p.get(other)
    b = p.get(other)
    post = p.send("POST", target(tok(p, "unsafe-loc-post"), header="Location: " + other))
    c = p.get(other)
    hit_before = not p.origin(b)
    if hit_before and post.status == 200 and p.origin(c):
        return "PASS", "POST answered 200 with `Location`: the entry it names was dropped"
    note = "%s; POST %d; the `Location` entry %s" % ("cached" if hit_before else "not cached", post.status,
                                                      "dropped" if p.origin(c) else "still served from cache")
    return ("FAIL" if p.documented() else "—", note)


@rule("17", "`CDN-Cache-Control: max-age=300` with `Cache-Control: no-store` (RFC 9213): cached")
def r_cdn(p):
    _, b, hit = cached_twice(p, "cdn", cache_control="no-store", header="CDN-Cache-Control: max-age=300")
    cc = b.h("Cache-Control")
    if hit:
        return "PASS", "cached; clients still get `Cache-Control: %s`" % cc
    return ("FAIL" if p.documented() else "—", "not cached: the field is not read, `no-store` wins")


@rule("18", "`Cache-Status` (RFC 9211) on answers")
def r_cache_status(p):
    a, b, hit = cached_twice(p, "cachestatus", cache_control="max-age=60")
    sa, sb = a.h("Cache-Status"), b.h("Cache-Status")
    if sa and sb:
        return "PASS", "miss: `%s`; hit: `%s`" % (sa, sb)
    return ("FAIL" if p.documented() else "—", "none sent")


@rule("19", "the request's `Cache-Control: no-cache` / `max-age=0` on a fresh entry 1.5 s old (policy)")
def r_request_directives(p):
    urls = {}
    for rcc in ("no-cache", "max-age=0"):
        urls[rcc] = target(tok(p, "reqcc-" + rcc.replace("=", "")), cache_control="max-age=60", etag='"q1"')
        p.get(urls[rcc])
    let_time_pass(time.monotonic(), 1.5)  # an age of at least 1 s, so that max-age=0 is exceeded
    out = []
    asked_all = True
    for rcc, t in urls.items():
        r = p.get(t, {"Cache-Control": rcc})
        e = p.ctx.gate.saw(r.id)
        asked_all &= bool(e)
        out.append("`%s`: %s" % (rcc, ("origin asked, " + cond(e[0]) + (", %s" % e[0]["status"])) if e else "answered from cache"))
    note = "; ".join(out)
    if p.documented():
        return ("PASS" if asked_all else "FAIL", note)
    return "—", note


@rule("19b", "the request's `Cache-Control: only-if-cached` on a miss: 504 (§5.2.1.7, for caches that honour it)")
def r_only_if_cached(p):
    t = target(tok(p, "onlyifcached"), cache_control="max-age=60")
    r = p.get(t, {"Cache-Control": "only-if-cached"})
    asked = p.origin(r)
    if r.status == 504 and not asked:
        return "PASS", "504, origin not asked"
    return ("FAIL" if p.documented() else "—", "%d, origin %s" % (r.status, "asked" if asked else "not asked"))


@rule("20", "a `Set-Cookie` answer is not stored, not served to another client")
def r_set_cookie(p):
    t = target(tok(p, "cookie"), cache_control="max-age=60", set_cookie="sid=alice")
    p.get(t, {"Cookie": "sid=alice"})
    b = p.get(t)
    served = not p.origin(b)
    return ("FAIL" if served else "PASS",
            "`max-age=60` + `Set-Cookie`: %s" % ("the next client got the stored answer (%s)" % (b.h("Set-Cookie") or "no cookie")
                                                 if served else "origin asked for the next client"))


AUTH_ALICE = {"Authorization": "Basic YWxpY2U6YWxpY2UtcHc="}
AUTH_BOB = {"Authorization": "Basic Ym9iOmJvYi1wdw=="}


@rule("21", "a request with `Authorization` (§3.5): not served from a shared entry without `public`/`s-maxage`/`must-revalidate`")
def r_authorization(p):
    t = target(tok(p, "auth"), cache_control="max-age=60")
    p.get(t, AUTH_ALICE)
    b = p.get(t, AUTH_BOB)
    c = p.get(t)
    leaked = [who for who, r in (("bob", b), ("anonymous", c)) if not p.origin(r)]
    tp = target(tok(p, "auth-public"), cache_control="public, max-age=60")
    p.get(tp, AUTH_ALICE)
    d = p.get(tp, AUTH_BOB)
    return ("FAIL" if leaked else "PASS",
            "`max-age=60`: %s; `public, max-age=60`: %s" %
            ("alice's answer served from cache to " + " and ".join(leaked) if leaked else "origin asked for bob and for anonymous",
             "stored, bob got it from cache" if not p.origin(d) else "not stored"))


@rule("22", "heuristic freshness from `Last-Modified` alone (10 %)")
def r_heuristic(p):
    now = int(time.time())
    _, _, hit = cached_twice(p, "heur-a", header="Date: " + http_date(now), last_modified=http_date(now - 1000))
    tb = tok(p, "heur-b")
    t = target(tb, header="Date: " + http_date(now), last_modified=http_date(now - 30))
    a = p.get(t)
    since = time.monotonic()
    b = p.get(t)
    hit_b = not p.origin(b) and b.echo == a.id
    after, _ = poll_refetch(p, t, tb, since, 8)
    ten = hit and hit_b and after is not None and 1.5 <= after <= 5
    if ten:
        return "PASS", "modified 1000 s ago: cached; 30 s ago: cached, stale after %.1f s" % after
    note = "modified 1000 s ago: %s; 30 s ago: %s" % (
        "cached" if hit else "not cached",
        ("cached, %s" % ("stale after %.1f s" % after if after is not None else "still fresh after 8 s")) if hit_b else "not cached")
    # No heuristic at all is allowed (§4.2.2 says MAY); another one is the cache's choice.
    return ("FAIL" if p.documented() else "—", note)


@rule("23", "a 206 from the origin is not stored as a whole answer")
def r_partial(p):
    tn = tok(p, "partial")
    t = target(tn, status=206, cache_control="max-age=60", header="Content-Range: bytes 0-9/100")
    a = p.get(t, {"Range": "bytes=0-9"})
    reqs = p.ctx.gate.requests(tn)
    fwd = reqs[0]["headers"].get("range") if reqs else None
    b = p.get(t)
    first = "`Range: bytes=0-9` got %d (the origin was sent %s and answered %s)" % (
        a.status, "`Range: %s`" % fwd if fwd else "no `Range`", reqs[0]["status"] if reqs else "-")
    if not p.origin(b) and b.echo == a.id:
        return "FAIL", first + "; the next GET without `Range` got that stored 206 from cache"
    return "PASS", first + "; the next GET without `Range`: origin asked again (%d)" % b.status


@rule("24", "after expiry, no stale answer without the origin's permission (§4.2.4)")
def r_no_stale(p):
    t = target(tok(p, "nostale"), cache_control="max-age=1")
    a = p.get(t)
    let_time_pass(time.monotonic(), 2.2)
    b = p.get(t)
    stale = b.echo == a.id
    return ("FAIL" if stale else "PASS",
            "`max-age=1`, 2.2 s later: %s" % ("the stale copy (the origin asked in the background)" if stale else "a fresh answer from the origin"))


def outage_rows(ctx, proxies):
    """9a must-revalidate, 9b stale-if-error: entries expire, then the origin answers 503,
    then refuses connections; every proxy is asked in each state."""
    kinds = {"mr": "max-age=1, must-revalidate", "sie": "max-age=1, stale-if-error=60"}
    firsts = {}
    for p in proxies:
        for mode in ("503", "refuse"):
            for k, cc in kinds.items():
                t = target(tok(p, "outage-%s-%s" % (k, mode)), cache_control=cc)
                firsts[(p.name, k, mode)] = (t, p.get(t))
    let_time_pass(time.monotonic(), 2.2)
    got = {}
    for mode in ("503", "refuse"):
        ctx.gate.set_mode(mode)
        try:
            for p in proxies:
                for k in kinds:
                    t, first = firsts[(p.name, k, mode)]
                    r = p.get(t)
                    got[(p.name, k, mode)] = (r, r.status == 200 and r.echo == first.id)
        finally:
            ctx.gate.set_mode("up")
    rows = {}
    for p in proxies:
        def say(k):
            return "; ".join("origin %s: %s" % ("503" if m == "503" else "refusing",
                                               "stale 200" if got[(p.name, k, m)][1] else "%d" % got[(p.name, k, m)][0].status)
                             for m in ("503", "refuse"))
        mr_stale = any(got[(p.name, "mr", m)][1] for m in ("503", "refuse"))
        sie_stale = all(got[(p.name, "sie", m)][1] for m in ("503", "refuse"))
        rows[("9a", p.name)] = ("FAIL" if mr_stale else "PASS", "`max-age=1, must-revalidate`, expired; " + say("mr"))
        rows[("9b", p.name)] = ("PASS" if sie_stale else "FAIL", "`max-age=1, stale-if-error=60`, expired; " + say("sie"))
    return rows


OUTAGE_TITLES = [("9a", "`must-revalidate`: no stale answer once expired, even when the origin fails"),
                 ("9b", "`stale-if-error` (RFC 5861): the stale answer when the origin fails, within the window")]


def sort_key(number):
    digits = "".join(c for c in number if c.isdigit())
    return (int(digits), number)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--origin-port", type=int, required=True)
    ap.add_argument("--stub-port", type=int, required=True)
    ap.add_argument("--proxy", action="append", required=True, help="NAME=PORT")
    ap.add_argument("--documented", default="foilcache")
    ap.add_argument("--json")
    ap.add_argument("--only", help="comma-separated rule numbers")
    args = ap.parse_args()
    run = "r%x" % int(time.time() * 1000 % 0xFFFFFFF)
    gate = Gate(args.origin_port, args.stub_port)
    gate.start()
    ctx = Ctx(gate, run, args.documented)
    proxies = []
    for spec in args.proxy:
        name, port = spec.rsplit("=", 1)
        proxies.append(Proxy(ctx, name, int(port)))
    try:
        # Every proxy answers through the gate before the rules start.
        for p in proxies:
            deadline = time.monotonic() + 15
            while True:
                try:
                    r = p.get(target("%s.probe.%d" % (run, p.port), cache_control="no-store"))
                    if r.status == 200 and p.origin(r):
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    sys.exit("%s on port %d does not reach the origin" % (p.name, p.port))
                time.sleep(0.1)
        only = set(args.only.split(",")) if args.only else None
        results = {}
        titles = {}
        t0 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(len(proxies)) as pool:
            for number, title, fn in RULES:
                if only and number not in only:
                    continue
                titles[number] = title
                futures = {p.name: pool.submit(fn, p) for p in proxies}
                for name, f in futures.items():
                    try:
                        results[(number, name)] = f.result()
                    except Exception as e:  # a proxy that breaks the client is a result too
                        results[(number, name)] = ("FAIL", "error: %s" % e)
                print("rule %s done (%.0f s)" % (number, time.monotonic() - t0), file=sys.stderr)
        if not only or {"9", "9a", "9b"} & only:
            titles.update(OUTAGE_TITLES)
            results.update(outage_rows(ctx, proxies))
            print("rules 9a, 9b done (%.0f s)" % (time.monotonic() - t0), file=sys.stderr)
    finally:
        gate.stop()
    names = [p.name for p in proxies]
    print("| # | rule | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    for number in sorted(titles, key=sort_key):
        cells = []
        for n in names:
            verdict, note = results[(number, n)]
            cells.append("%s: %s" % ("**%s**" % verdict if verdict == "FAIL" else verdict, note.replace("|", "\\|")))
        print("| %s | %s | %s |" % (number, titles[number], " | ".join(cells)))
    counts = {n: {v: sum(1 for (num, name), (verdict, _) in results.items() if name == n and verdict == v)
                  for v in ("PASS", "FAIL", "—")} for n in names}
    print()
    print("; ".join("%s: %d PASS, %d FAIL, %d —" % (n, c["PASS"], c["FAIL"], c["—"]) for n, c in counts.items()))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"%s|%s" % k: v for k, v in results.items()}, f, indent=1)


if __name__ == "__main__":
    main()
