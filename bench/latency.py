#!/usr/bin/env python3
"""One keep-alive connection, requests back to back, every request timed by the client.

wrk's latency summary did not add up with one connection, so the bench scripts time each
request here instead (the client's own overhead is the same for every target compared).

    bench/latency.py [--duration S | --count N] [--json] [--expect-cache X] URL [URL...]

URLs are requested in turn (all on one host:port, one connection). "{i}" in a URL is
replaced by the request's number (0, 1, ...), so that every request can be distinct, e.g.
a cache key of its own. Prints the requests, p50/p99/p99.9/max in ms, non-200 answers, the
X-Cache counts and the slowest requests; --json prints one JSON object instead (with p90).
--expect-cache X exits 1 unless every answer had X-Cache: X.
"""
import argparse
import http.client
import json
import sys
import time
from urllib.parse import urlsplit


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("urls", nargs="+", metavar="URL")
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--duration", type=float, help="seconds to send requests for")
    group.add_argument("--count", type=int, help="number of requests")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--expect-cache", metavar="X", help="fail unless every X-Cache is X")
    args = ap.parse_args()

    parts = [urlsplit(u) for u in args.urls]
    if any(p.scheme != "http" or p.netloc != parts[0].netloc for p in parts):
        ap.error("all URLs must be http:// on one host:port")
    targets = [p.path + ("?" + p.query if p.query else "") for p in parts]
    unique = any("{i}" in t for t in targets)

    conn = http.client.HTTPConnection(parts[0].hostname, parts[0].port or 80, timeout=5)
    lat, errors, results = [], 0, {}
    end = time.monotonic() + args.duration if args.duration is not None else None
    i = 0
    while (time.monotonic() < end) if end is not None else (i < args.count):
        target = targets[i % len(targets)]
        if unique:
            target = target.replace("{i}", str(i))
        t0 = time.perf_counter()
        conn.request("GET", target)
        r = conn.getresponse(); r.read()
        lat.append((time.perf_counter() - t0) * 1000)
        errors += r.status != 200
        x = r.getheader("X-Cache") or "-"; results[x] = results.get(x, 0) + 1
        i += 1
    if not lat:
        sys.exit("no request was sent")
    lat.sort()
    pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
    if args.json:
        print(json.dumps({"requests": len(lat), "p50": pct(0.50), "p90": pct(0.90), "p99": pct(0.99),
                          "p999": pct(0.999), "max": lat[-1], "non200": errors, "x_cache": results}))
    else:
        print(f"   requests {len(lat)}  p50 {pct(0.50):.3f} ms  p99 {pct(0.99):.3f} ms  p99.9 {pct(0.999):.3f} ms  "
              f"max {lat[-1]:.3f} ms  non-200 {errors}  X-Cache {results}")
        print(f"   slowest: {', '.join(f'{v:.1f}' for v in lat[-8:])} ms")
    if args.expect_cache is not None and results.get(args.expect_cache, 0) != len(lat):
        print(f"expected every X-Cache to be {args.expect_cache}, got {results}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
