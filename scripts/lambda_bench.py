"""Size and cold start of each Lambda binary, side by side with a bare lambda_http hello-world.

Cold start = process start to first response served: the binary is started against a fake
Lambda Runtime API (this script, on 127.0.0.1) that hands it one API Gateway event; the clock
stops when the binary posts the response. Each function is configured as in the template
(DynamoDB table and, where it uses one, S3 bucket on moto; registration reads its signing key
from Secrets Manager on moto), so its start-up is the real one. Called by scripts/bench-lambda.sh.
"""

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API = "/2018-06-01/runtime"


class Runtime:
    """One process, one invocation: hands out `event`, records when the response arrives."""

    def __init__(self):
        self.event = None
        self.served = False
        self.response = None
        self.done = threading.Event()
        self.release = threading.Event()


def handler_for(runtime):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.path != f"{API}/invocation/next":
                self.send_error(404)
                return
            if runtime.served:
                # The function asks for its next event: hold it until the process is stopped.
                runtime.release.wait(30)
                self.close_connection = True
                return
            runtime.served = True
            body = runtime.event.encode()
            self.send_response(200)
            self.send_header("Lambda-Runtime-Aws-Request-Id", "bench-1")
            self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30000))
            self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:bench")
            self.send_header("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            payload = self.rfile.read(length) if length else self.rfile.read()
            at = time.perf_counter()
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()
            if self.path.endswith("/response"):
                runtime.response = (at, payload)
            else:
                runtime.response = (at, b"ERROR " + payload)
            runtime.done.set()

    return Handler


def cold_start(binary, env, event):
    # A Runtime API of its own per start, so a late request of the last process cannot interfere.
    runtime = Runtime()
    runtime.event = event
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(runtime))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    full_env = dict(env, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{server.server_address[1]}")
    started = time.perf_counter()
    process = subprocess.Popen([binary], env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        if not runtime.done.wait(20):
            raise RuntimeError(f"{binary}: no response in 20 s: {process.stderr.read1(4096)!r}")
    finally:
        process.kill()
        runtime.release.set()
        process.wait()
        server.shutdown()
        server.server_close()
    at, payload = runtime.response
    if payload.startswith(b"ERROR"):
        raise RuntimeError(f"{binary}: {payload[:300]!r}")
    status = json.loads(payload).get("statusCode")
    return (at - started) * 1000, status


def links(binary, marker):
    with open(binary, "rb") as f:
        return marker in f.read()


def main():
    config = json.load(sys.stdin)
    runs = config["runs"]

    rows = []
    for f in config["functions"]:
        with open(f["event"]) as e:
            event = e.read()
        cold_start(f["binary"], f["env"], event)  # warm the page cache
        times, statuses = [], set()
        for _ in range(runs):
            ms, status = cold_start(f["binary"], f["env"], event)
            times.append(ms)
            statuses.add(status)
        rows.append(dict(
            name=f["name"],
            size=os.path.getsize(f["binary"]),
            median=statistics.median(times),
            low=min(times),
            statuses=sorted(s for s in statuses if s is not None),
            # Operation names only the respective SDK carries.
            s3=links(f["binary"], b"CopyObject"),
            dynamodb=links(f["binary"], b"TransactWriteItems"),
            secrets=links(f["binary"], b"GetSecretValue"),
        ))
    hello = next(r for r in rows if r["name"] == "hello")
    print(f"{runs} cold starts per binary (median, min); ratios against hello. Event status in brackets.\n")
    print("| binary | stripped size | size ratio | cold start median | min | start ratio | links DynamoDB / S3 / Secrets Manager |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for r in rows:
        yes = lambda b: "yes" if b else "no"
        print(
            f"| {r['name']} {r['statuses']} | {r['size'] / 1e6:.1f} MB | {r['size'] / hello['size']:.1f}x "
            f"| {r['median']:.1f} ms | {r['low']:.1f} ms | {r['median'] / hello['median']:.1f}x "
            f"| {yes(r['dynamodb'])} / {yes(r['s3'])} / {yes(r['secrets'])} |"
        )


if __name__ == "__main__":
    main()
