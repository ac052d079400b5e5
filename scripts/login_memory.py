#!/usr/bin/env python3
"""Measures `fenqi serve`'s memory and login latency under registrations and logins.

Starts the given `fenqi` binary on the embedded SQLite default in a temporary directory
(after `fenqi migrate`), on a free port of 127.0.0.1 with the per-address rate limits
off, sends N `register` mutations and then N `login` mutations from C concurrent clients,
samples the server's VmRSS from /proc every 100 ms during the load and for a while after,
then stops the server it started. Talks to that server only; needs Python 3.9+ and
nothing else. Prints the figures as JSON (RSS in MiB: idle before the load, the peak of
each phase and of the settling time after, the last sample; in ms: latency per request,
and the server's CPU time per request, which other work on the machine barely moves);
exits 1 if any request failed. See docs/performance.md, "Memory under logins".

    cargo build --release -p fenqi
    python3 scripts/login_memory.py target/release/fenqi
"""

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

REGISTER = "mutation($i: RegisterInput!) { register(input: $i) { token } }"
LOGIN = "mutation($i: LoginInput!) { login(input: $i) { token } }"


def mobile(i):
    return f"1380000{i:04d}"


def password(i):
    return f"load test password {i:04d}"


def register(i):
    account = {"displayName": f"Load {i}", "mobile": mobile(i), "password": password(i)}
    return REGISTER, {"i": account}


def log_in(i):
    return LOGIN, {"i": {"login": mobile(i), "password": password(i)}}


def mib(kib):
    return None if kib is None else round(kib / 1024, 1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def cpu_seconds(pid):
    """User plus system CPU time the process has used: unlike latency, barely moved by
    other work on the machine."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


class Sampler(threading.Thread):
    """Reads the server's VmRSS every `interval` seconds, tagged with the current phase."""

    def __init__(self, pid, interval=0.1):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.phase = "idle"
        self.samples = []  # (phase, kib)
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            kib = rss_kib(self.pid)
            if kib is not None:
                self.samples.append((self.phase, kib))
            self.stop.wait(self.interval)

    def peak(self, phase):
        values = [k for p, k in self.samples if p == phase]
        return max(values) if values else None

    def last(self, phase):
        values = [k for p, k in self.samples if p == phase]
        return values[-1] if values else None


class Client:
    """One keep-alive HTTP connection per worker thread."""

    local = threading.local()

    def __init__(self, port, timeout):
        self.port, self.timeout = port, timeout

    def post(self, query, variables):
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            self.local.conn = conn
        body = json.dumps({"query": query, "variables": variables})
        started = time.monotonic()
        try:
            conn.request("POST", "/graphql", body, {"Content-Type": "application/json"})
            response = conn.getresponse()
            payload = json.loads(response.read() or b"{}")
        except (OSError, http.client.HTTPException, ValueError) as e:
            conn.close()
            self.local.conn = None
            return time.monotonic() - started, f"transport: {e}"
        elapsed = time.monotonic() - started
        if payload.get("errors"):
            return elapsed, json.dumps(payload["errors"][0])[:300]
        return elapsed, None


def run_phase(name, sampler, client, clients, count, make, deadline):
    sampler.phase = name
    latencies, errors = [], []

    def one(i):
        if time.monotonic() > deadline:
            return None, "deadline passed"
        query, variables = make(i)
        return client.post(query, variables)

    started, cpu = time.monotonic(), cpu_seconds(sampler.pid)
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for elapsed, error in pool.map(one, range(count)):
            if error:
                errors.append(error)
            elif elapsed is not None:
                latencies.append(elapsed)
    return latencies, errors, time.monotonic() - started, cpu_seconds(sampler.pid) - cpu


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def wait_healthy(port, server, timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if server.poll() is not None:
            return False
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary", help="path of the fenqi binary (a release build)")
    parser.add_argument("--count", type=int, default=1000, help="registrations, then logins")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument("--settle", type=float, default=15, help="seconds sampled after the load")
    parser.add_argument("--deadline", type=float, default=1800, help="seconds before giving up")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        sys.exit(f"no fenqi binary at {binary} (cargo build --release -p fenqi)")

    env = {k: v for k, v in os.environ.items() if not k.startswith("FENQI_")}
    port = free_port()
    env.update(
        FENQI_BIND=f"127.0.0.1:{port}",
        FENQI_AUTH_ATTEMPTS_PER_MINUTE="0",
        FENQI_PUBLIC_REQUESTS_PER_MINUTE="0",
        FENQI_LOG="warn",
    )
    with tempfile.TemporaryDirectory(prefix="fenqi-login-memory-") as work:
        log = open(os.path.join(work, "serve.log"), "w")
        migrate = subprocess.run(
            [binary, "migrate"], cwd=work, env=env, capture_output=True, timeout=120
        )
        if migrate.returncode != 0:
            sys.exit(f"fenqi migrate failed:\n{migrate.stderr.decode(errors='replace')}")
        server = subprocess.Popen([binary, "serve"], cwd=work, env=env, stdout=log, stderr=log)
        try:
            if not wait_healthy(port, server):
                log.flush()
                with open(log.name) as f:
                    sys.exit("fenqi serve did not become healthy:\n" + f.read()[-2000:])
            sampler = Sampler(server.pid)
            sampler.start()
            time.sleep(1)
            deadline = time.monotonic() + args.deadline
            client = Client(port, timeout=120)
            phase = (sampler, client, args.clients, args.count)
            reg = run_phase("register", *phase, register, deadline)
            login = run_phase("login", *phase, log_in, deadline)
            sampler.phase = "after"
            time.sleep(args.settle)
            sampler.stop.set()
            sampler.join()
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.close()

    figures = {
        "binary": binary,
        "count": args.count,
        "clients": args.clients,
        "rss_mib": {
            "idle": mib(sampler.last("idle")),
            "peak_register": mib(sampler.peak("register")),
            "peak_login": mib(sampler.peak("login")),
            "peak_after": mib(sampler.peak("after")),
            "after": mib(sampler.last("after")),
        },
    }
    for name, (latencies, errors, wall, cpu) in (("register", reg), ("login", login)):
        figures[name] = {
            "ok": len(latencies),
            "errors": len(errors),
            "first_error": errors[0] if errors else None,
            "seconds": round(wall, 1),
            "per_second": round(len(latencies) / wall, 1) if wall else None,
            "p50_ms": round(percentile(latencies, 50) * 1000, 1),
            "p99_ms": round(percentile(latencies, 99) * 1000, 1),
            "server_cpu_ms_per_request": round(cpu * 1000 / max(1, len(latencies)), 1),
        }
    print(json.dumps(figures, indent=2))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2)
    if reg[1] or login[1]:
        sys.exit(1)


if __name__ == "__main__":
    main()
