"""How long `newsbot run --once` spends before its first request.

    python -m benchmarks.bench_first_request [--runs 7] [--processes 2] [--newsbot PATH]

A feed server on loopback (in this process) notes when the first request arrives; the bot runs
as a whole process with one feed, SQLite in a temporary folder and the console notifier. Reported
per run and as medians: spawn -> first request, and spawn -> exit, with `bot.parse_processes` as
given (the parse worker pool) and with 0 (parsing in the bot's own process), and the interpreter
baseline `python -c pass`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FEED = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Wire</title>'
    b"<item><title>Council approves budget</title><link>https://wire.test/1</link>"
    b"<guid>https://wire.test/1</guid><pubDate>Sat, 21 Nov 2026 10:00:00 GMT</pubDate>"
    b"<description>The city council approved a budget.</description></item></channel></rss>"
)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    first: float | None = None


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.server.first is None:
            self.server.first = time.perf_counter()
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(FEED)))
        self.end_headers()
        self.wfile.write(FEED)


def _once(newsbot: str, config: Path, server: _Server) -> tuple[float, float]:
    server.first = None
    started = time.perf_counter()
    subprocess.run(
        [newsbot, "run", "--once", "--config", str(config)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=120,
    )
    ended = time.perf_counter()
    if server.first is None:
        raise SystemExit("the bot made no request")
    return server.first - started, ended - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--processes", type=int, default=2, help="bot.parse_processes")
    parser.add_argument("--newsbot", default=str(Path(sys.executable).parent / "newsbot"))
    args = parser.parse_args()
    server = _Server(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    python = str(Path(args.newsbot).parent / "python")
    baseline = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        subprocess.run([python, "-c", "pass"], check=True)
        baseline.append(time.perf_counter() - t0)
    print(f"python -c pass: median {statistics.median(baseline) * 1000:.0f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        for processes in (args.processes, 0):
            config = Path(tmp) / f"newsbot-{processes}.toml"
            config.write_text(
                f'[bot]\ndatabase = "sqlite:///{tmp}/bot-{processes}.db"\n'
                f"allow_private_networks = true\nparse_processes = {processes}\n"
                f'[[feeds]]\nname = "Wire"\nurl = "http://127.0.0.1:{port}/feed.xml"\n'
                '[[channels]]\nchannel = "#alerts"\nlabels = ["missile-test"]\n'
            )
            runs = [_once(args.newsbot, config, server) for _ in range(args.runs)]
            first = [r[0] for r in runs]
            total = [r[1] for r in runs]
            print(
                f"parse_processes = {processes}: spawn -> first request median "
                f"{statistics.median(first) * 1000:.0f} ms (runs: "
                + ", ".join(f"{x * 1000:.0f}" for x in first)
                + f"); spawn -> exit median {statistics.median(total) * 1000:.0f} ms"
            )
    server.shutdown()


if __name__ == "__main__":
    main()
