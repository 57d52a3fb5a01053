"""A stand-in for SQS and DynamoDB's JSON APIs that answers every call at once (or after `--latency-ms`,
AWS's round trip), in its own process so that it takes no CPU from the code being measured.

It speaks just enough for ingest: SQS SendMessageBatch (every entry accepted) and DynamoDB
BatchWriteItem / BatchGetItem (nothing unprocessed, nothing found); and for admin's first `status`:
DynamoDB Scan / Query (no items) and SSM GetParameter (an empty state). Real botocore clients talk to it
over HTTP/1.1 keep-alive, as they talk to AWS. GET /_stats gives the calls per operation.

    python -m bench.fake_aws [--latency-ms 10]     prints `port <n>` once listening
"""

import argparse
import contextlib
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = 64 * 1024  # headers and body leave in one segment (else Nagle + delayed ACK: ~40 ms)

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        operation = (self.headers.get("X-Amz-Target") or "").rpartition(".")[2]
        with self.server.lock:
            self.server.calls[operation] = self.server.calls.get(operation, 0) + 1
        if self.server.latency:
            time.sleep(self.server.latency)
        if operation == "SendMessageBatch":
            answer = {"Successful": [{"Id": e["Id"], "MessageId": e["Id"]} for e in request.get("Entries", [])]}
            content_type = "application/x-amz-json-1.0"
        elif operation == "BatchWriteItem":
            answer, content_type = {"UnprocessedItems": {}}, "application/x-amz-json-1.0"
        elif operation == "BatchGetItem":
            tables = request.get("RequestItems", {})
            answer = {"Responses": {table: [] for table in tables}, "UnprocessedKeys": {}}
            content_type = "application/x-amz-json-1.0"
        elif operation in ("Scan", "Query"):  # the admin function's accounts table and dedup indexes: empty
            answer, content_type = {"Items": [], "Count": 0, "ScannedCount": 0}, "application/x-amz-json-1.0"
        elif operation == "GetParameter":  # the admin state (SSM): nothing remembered yet
            name = request.get("Name", "")
            answer = {"Parameter": {"Name": name, "Type": "String", "Value": "{}", "Version": 1}}
            content_type = "application/x-amz-json-1.1"
        else:
            self._send(400, {"__type": "UnknownOperationException", "message": operation}, "application/json")
            return
        self._send(200, answer, content_type)

    def do_GET(self):
        with self.server.lock:
            self._send(200, dict(self.server.calls), "application/json")

    def _send(self, status, document, content_type):
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", "bench")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class FakeAwsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, latency_seconds=0.0):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.latency = latency_seconds
        self.calls = {}
        self.lock = threading.Lock()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.fake_aws")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args(argv)
    server = FakeAwsServer(args.latency_ms / 1000)
    print(f"port {server.server_address[1]}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever(poll_interval=0.1)
    return 0


class FakeAws:
    """`with FakeAws(latency_ms) as aws:` the server in a child process; `aws.url`, `aws.calls()`."""

    def __init__(self, latency_ms=0.0):
        self.latency_ms = latency_ms
        self.process = None
        self.url = None

    def __enter__(self):
        import subprocess
        from pathlib import Path

        repo = Path(__file__).resolve().parent.parent
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.fake_aws", "--latency-ms", str(self.latency_ms)],
            cwd=repo,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline().split()
        if len(line) != 2 or line[0] != "port":
            self.process.kill()
            raise RuntimeError("bench.fake_aws did not start")
        self.url = f"http://127.0.0.1:{line[1]}"
        return self

    def calls(self):
        import urllib.request

        with urllib.request.urlopen(self.url + "/_stats", timeout=5) as answer:  # noqa: S310 - local
            return json.loads(answer.read())

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except Exception:
            self.process.kill()
            self.process.wait(timeout=5)


if __name__ == "__main__":
    sys.exit(main())
