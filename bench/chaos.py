#!/usr/bin/env python3
"""Chaos and soak runs of foilcache under a mixed load (the hardening issue, items 5 and 6).

Starts its own redis-server, upstream stub, a TCP relay between foilcache and the stub (so
connections to the app can be reset mid-body) and foilcache on the shipped config, all on
loopback. Load: wrk (hits, misses, pass-through) plus a checker thread whose every answer is
compared with the app's own answers to the same request (writes and invalidations included).

  chaos:  phases of a fault each (Redis killed, frozen, slowed; the app restarted; app
          connections reset mid-body), with client errors and wrong bodies per phase and the
          time back to HIT after each fault.
  soak:   the same load, no faults, for --duration; foilcache's RSS and open descriptors
          sampled every 10 s into a CSV and an SVG plot.

  bench/chaos.py chaos [--build build] [--phase 12]
  bench/chaos.py soak --duration 1800 [--build build] [--out DIR]
"""
import argparse, hashlib, http.client, json, os, signal, socket, subprocess, sys, tempfile
import threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ALICE = {"Cookie": "session=sess-alice"}
BOB = {"Cookie": "session=sess-bob"}
TINFOIL = {"User-Agent": "Tinfoil/17.0", "Authorization": "Basic YWxpY2U6YWxpY2UtcHc="}  # alice:alice-pw
CHECKED = [("/api/system/info", {}), ("/api/library/paged?page=1", ALICE), ("/api/library/paged?page=1", BOB),
           ("/api/stats/overview", ALICE), ("/index.json", TINFOIL), ("/api/library/paged?page=2", ALICE)]
TOKEN = "chaos-admin-token"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, bound=15.0):
    end = time.monotonic() + bound
    while time.monotonic() < end:
        try:
            if predicate():
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def request(port, path, headers=None, method="GET", body=None, timeout=5.0):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        conn.close()


class Relay:
    """foilcache -> relay -> stub; reset() sends RST on every connection it carries."""

    def __init__(self, target_port):
        self.target = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(512)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.open = set()
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                a, _ = self.listener.accept()
            except OSError:
                return
            try:
                b = socket.create_connection(("127.0.0.1", self.target), timeout=5)
            except OSError:
                a.close()
                continue
            with self.lock:
                self.open.update((a, b))
            for x, y in ((a, b), (b, a)):
                threading.Thread(target=self.pump, args=(x, y), daemon=True).start()

    def pump(self, src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        with self.lock:
            self.open.discard(src)

    def reset(self):
        with self.lock:
            victims = list(self.open)
            self.open.clear()
        for s in victims:
            try:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                s.close()
            except OSError:
                pass
        return len(victims)


class Stack:
    def __init__(self, build, work):
        self.build, self.work = build, work
        self.redis_port, self.stub_port, self.proxy_port = free_port(), free_port(), free_port()
        self.procs = {}
        self.start_redis()
        self.start_stub()
        self.relay = Relay(self.stub_port)
        config = open(os.path.join(ROOT, "conf", "foilcache.yaml")).read()
        path = os.path.join(work, "foilcache.yaml")
        open(path, "w").write(config)
        env = dict(os.environ, FOILCACHE_LISTEN=f"127.0.0.1:{self.proxy_port}",
                   UPSTREAM_URL=f"http://127.0.0.1:{self.relay.port}",
                   REDIS_URL=f"redis://127.0.0.1:{self.redis_port}/0", FOILCACHE_ADMIN_TOKEN=TOKEN,
                   FOILCACHE_IDENTITY_SECRET="chaos", MYFOIL_REDIS_URL="")
        self.procs["foilcache"] = subprocess.Popen(
            [os.path.join(build, "foilcache"), "--config", path], env=env,
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "foilcache.log"), "w"))
        assert wait_for(lambda: b'"store":"enabled"' in request(self.proxy_port, "/healthz")[2]), "foilcache not up"

    def start_redis(self):
        self.procs["redis"] = subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
             "no", "--dir", self.work, "--enable-debug-command", "yes"],
            stdout=open(os.path.join(self.work, "redis.log"), "a"), stderr=subprocess.STDOUT)
        assert wait_for(lambda: subprocess.run(["redis-cli", "-p", str(self.redis_port), "ping"],
                                               capture_output=True).stdout.strip() == b"PONG"), "redis not up"

    def start_stub(self):
        self.procs["stub"] = subprocess.Popen(
            [os.path.join(self.build, "upstream-stub"), "--listen", f"127.0.0.1:{self.stub_port}",
             "--latency-scale", "0", "--game-size", str(8 << 20)],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.work, "stub.log"), "a"))
        assert wait_for(lambda: request(self.stub_port, "/api/system/info")[0] == 200), "stub not up"

    def kill(self, name):
        p = self.procs[name]
        p.send_signal(signal.SIGCONT)
        p.kill()
        p.wait()

    def stop(self):
        for name in ("foilcache", "stub", "redis"):
            p = self.procs.get(name)
            if p and p.poll() is None:
                p.send_signal(signal.SIGCONT)
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
        self.relay.listener.close()

    def pid(self):
        return self.procs["foilcache"].pid


class Checker:
    """Compares every answer through foilcache with the app's own answers to the same request."""

    def __init__(self, stack):
        self.s = stack
        self.valid = {}   # (path, who) -> digests the app answered
        self.counts = {}  # phase -> {"requests", "errors", "wrong", "app_down_errors"}
        self.phase = "warm-up"
        self.app_down = False
        self.running = True
        self.ignored = False
        self.title, self.version = self.pending_update()
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def pending_update(self):
        """A title of alice's first page with exactly one pending update, and its version."""
        _, _, body = request(self.s.stub_port, "/api/library/paged?page=1", ALICE)
        for item in json.loads(body)["data"]["items"]:
            versions = [a["app_version"] for a in item["apps"] if a["app_type"] == "UPDATE" and not a["owned"]]
            if item["has_non_ignored_updates"] and len(versions) == 1:
                return item["id"], versions[0]
        raise RuntimeError("no title with one pending update on alice's first page")

    def count(self, what):
        c = self.counts.setdefault(self.phase, {"requests": 0, "errors": 0, "wrong": 0, "app_down_errors": 0})
        c[what] += 1

    def app_answer(self, path, headers, key):
        try:
            # The Host foilcache forwards (the app builds the index's URLs from it).
            status, _, body = request(self.s.stub_port, path, dict(headers, Host=f"127.0.0.1:{self.s.proxy_port}"))
            if status == 200:
                self.valid.setdefault(key, set()).add(hashlib.sha256(body).hexdigest())
        except OSError:
            pass

    def loop(self):
        i = 0
        while self.running:
            i += 1
            path, headers = CHECKED[i % len(CHECKED)]
            key = (path, json.dumps(headers, sort_keys=True))
            self.app_answer(path, headers, key)
            try:
                self.count("requests")
                status, _, body = request(self.s.proxy_port, path, headers)
                if status >= 500:
                    self.count("app_down_errors" if self.app_down else "errors")
                elif status == 200:
                    self.app_answer(path, headers, key)
                    if hashlib.sha256(body).hexdigest() not in self.valid.get(key, ()):
                        self.count("wrong")
                        print(f"  wrong body for {key} in phase {self.phase}", file=sys.stderr)
            except OSError:
                self.count("app_down_errors" if self.app_down else "errors")
            if i % 25 == 0:
                self.write()
            if i % 60 == 0:
                try:
                    request(self.s.proxy_port, "/api/cache/invalidate/library", {"Authorization": f"Bearer {TOKEN}"},
                            method="POST")
                except OSError:
                    pass

    def write(self):
        """A write through foilcache: alice toggles the ignore flag of a title's update."""
        self.ignored = not self.ignored
        body = json.dumps({"type": "update", "item_id": self.version, "ignored": self.ignored})
        try:
            request(self.s.proxy_port, f"/api/library/ignore/{self.title}",
                    dict(ALICE, **{"Content-Type": "application/json"}), method="POST", body=body)
        except OSError:
            pass


WRK_SCRIPT = r"""
local paths = {
  {"/api/system/info", nil}, {"/api/library/paged?page=1", "session=sess-alice"},
  {"/api/library/paged?page=1", "session=sess-bob"}, {"/api/stats/overview", "session=sess-alice"},
  {"/index.json", nil}, {"/api/users", "session=sess-admin"},
}
local n = 0
request = function()
  n = n + 1
  if n % 10 == 0 then  -- a miss: a page nobody asked for yet (until it is cached)
    return wrk.format("GET", "/api/library/paged?page=" .. math.random(1, 40), {Cookie = "session=sess-bob"})
  end
  local p = paths[(n % #paths) + 1]
  local h = {}
  if p[2] then h["Cookie"] = p[2] end
  if p[1] == "/index.json" then
    h["User-Agent"] = "Tinfoil/17.0"; h["Authorization"] = "Basic YWxpY2U6YWxpY2UtcHc="
  end
  return wrk.format("GET", p[1], h)
end
"""


def wrk(port, seconds, work, connections=16):
    script = os.path.join(work, "mix.lua")
    open(script, "w").write(WRK_SCRIPT)
    return subprocess.Popen(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "-s", script,
                             f"http://127.0.0.1:{port}/"], stdout=subprocess.PIPE, text=True)


def wrk_summary(out):
    requests = errors = 0
    for line in out.splitlines():
        line = line.strip()
        if "requests in" in line:
            requests = int(line.split()[0])
        if line.startswith("Non-2xx or 3xx responses:"):
            errors += int(line.split(":")[1])
        if line.startswith("Socket errors:"):
            for part in line.split(":", 1)[1].split(","):
                errors += int(part.split()[1])
    return requests, errors


def time_to_hit(stack, bound=10.0):
    start = time.monotonic()
    while time.monotonic() - start < bound:
        try:
            hits = [request(stack.proxy_port, p, h)[1].get("X-Cache") for p, h in CHECKED[:2]]
            if hits == ["HIT", "HIT"]:
                return time.monotonic() - start
        except OSError:
            pass
        time.sleep(0.05)
    return None


def chaos(args, stack, checker, work):
    rc = stack.procs["redis"]
    faults = [
        ("baseline", None, None),
        ("redis killed", lambda: stack.kill("redis"), stack.start_redis),
        ("redis frozen (SIGSTOP)", lambda: rc_signal(stack, signal.SIGSTOP), lambda: rc_signal(stack, signal.SIGCONT)),
        ("redis slowed (DEBUG SLEEP 2)", lambda: subprocess.Popen(
            ["redis-cli", "-p", str(stack.redis_port), "DEBUG", "SLEEP", "2"], stdout=subprocess.DEVNULL), None),
        ("app restarted", lambda: (stack.kill("stub"), setattr(checker, "app_down", True)),
         lambda: (stack.start_stub(), setattr(checker, "app_down", False))),
        ("app connections reset mid-body", lambda: [stack.relay.reset() for _ in range(1)], None),
        ("after", None, None),
    ]
    del rc
    print(f"{'phase':34} {'wrk req':>8} {'wrk err':>8} {'chk req':>8} {'chk err':>8} {'app-down err':>12} "
          f"{'wrong':>6} {'to HIT s':>8}")
    for name, inject, heal in faults:
        checker.phase = name
        load = wrk(stack.proxy_port, args.phase, work)
        time.sleep(2)  # the load runs before the fault (the run's own schedule, not a synchronization)
        if inject:
            inject()
        if name.startswith("app connections"):
            for _ in range(4):
                time.sleep(1)
                stack.relay.reset()
        else:
            time.sleep(args.phase / 3)
        if heal:
            heal()
        out, _ = load.communicate()
        reqs, errs = wrk_summary(out)
        details = [l.strip() for l in out.splitlines() if l.strip().startswith(("Non-2xx", "Socket errors"))]
        if details:
            print("    wrk: " + "; ".join(details), file=sys.stderr)
        to_hit = time_to_hit(stack)
        c = checker.counts.get(name, {"requests": 0, "errors": 0, "wrong": 0, "app_down_errors": 0})
        print(f"{name:34} {reqs:8} {errs:8} {c['requests']:8} {c['errors']:8} {c['app_down_errors']:12} "
              f"{c['wrong']:6} {('%.2f' % to_hit) if to_hit is not None else '>10':>8}", flush=True)


def rc_signal(stack, sig):
    stack.procs["redis"].send_signal(sig)


def sample(pid):
    with open(f"/proc/{pid}/status") as f:
        rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def svg(rows, path):
    w, h, pad = 720, 300, 50
    t_max = max(r[0] for r in rows) or 1
    rss_max = max(r[1] for r in rows) * 1.1
    fd_max = max(r[2] for r in rows) * 1.1
    def line(idx, top, color):
        pts = " ".join(f"{pad + r[0] / t_max * (w - 2 * pad):.1f},{h - pad - r[idx] / top * (h - 2 * pad):.1f}"
                       for r in rows)
        return f'<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{pts}"/>'
    open(path, "w").write(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">'
        f'<rect width="{w}" height="{h}" fill="white"/>'
        f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="black"/>'
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{h - pad}" stroke="black"/>'
        f'{line(1, rss_max, "#1f77b4")}{line(2, fd_max, "#d62728")}'
        f'<text x="{pad}" y="20">foilcache soak: RSS (blue, 0..{rss_max / 1024:.0f} MiB) and open descriptors '
        f'(red, 0..{fd_max:.0f}) over {t_max / 60:.0f} min</text>'
        f'<text x="{w - pad - 40}" y="{h - pad + 20}">{t_max / 60:.0f} min</text></svg>\n')


def soak(args, stack, work):
    out = args.out or work
    os.makedirs(out, exist_ok=True)
    rows, start = [], time.monotonic()
    load = wrk(stack.proxy_port, args.duration, work)
    while load.poll() is None:
        t = time.monotonic() - start
        rss, fds = sample(stack.pid())
        rows.append((t, rss, fds))
        time.sleep(10)  # the sampling period itself
    reqs, errs = wrk_summary(load.stdout.read())
    with open(os.path.join(out, "soak.csv"), "w") as f:
        f.write("seconds,rss_kib,open_fds\n")
        for r in rows:
            f.write(f"{r[0]:.0f},{r[1]},{r[2]}\n")
    svg(rows, os.path.join(out, "soak.svg"))
    warm = [r for r in rows if r[0] >= args.warmup]
    lo, hi = min(r[1] for r in warm), max(r[1] for r in warm)
    fd_lo, fd_hi = min(r[2] for r in warm), max(r[2] for r in warm)
    print(f"soak {args.duration}s: wrk {reqs} requests, {errs} errors; after {args.warmup}s warm-up RSS "
          f"{lo / 1024:.1f}..{hi / 1024:.1f} MiB ({(hi - lo) / lo * 100:.1f} %), open fds {fd_lo}..{fd_hi}; "
          f"samples in {out}/soak.csv, plot {out}/soak.svg")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["chaos", "soak"])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--phase", type=int, default=12, help="seconds of load per chaos phase")
    ap.add_argument("--duration", type=int, default=1800, help="soak seconds")
    ap.add_argument("--warmup", type=int, default=120, help="soak seconds before flatness is judged")
    ap.add_argument("--out", help="soak: where soak.csv and soak.svg go (default: the work dir)")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="foilcache-chaos.")
    stack = Stack(os.path.abspath(args.build), work)
    checker = Checker(stack)
    try:
        time.sleep(2)  # the checker's warm-up: every checked answer seen once from the app
        if args.mode == "chaos":
            chaos(args, stack, checker, work)
        else:
            checker.phase = "soak"
            soak(args, stack, work)
            c = checker.counts.get("soak", {})
            print(f"checker: {c.get('requests', 0)} requests, {c.get('errors', 0)} errors, "
                  f"{c.get('wrong', 0)} wrong bodies")
    finally:
        checker.running = False
        stack.stop()
        print(f"logs in {work}")


if __name__ == "__main__":
    main()
