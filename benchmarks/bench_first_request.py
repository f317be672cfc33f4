"""How long `newsbot run --once` spends before its first request.

    python -m benchmarks.bench_first_request [--runs 7] [--processes 2] [--newsbot PATH]

A feed server on loopback (in this process) notes when the first request arrives; the bot runs
as a whole process with one feed, SQLite in a temporary folder and the console notifier. Reported
per run and as medians: spawn -> first request, and spawn -> exit, with `bot.parse_processes` as
given (the parse worker pool) and with 0 (parsing in the bot's own process), and the interpreter
baseline `python -c pass`.

The package's modules are byte-compiled first, as an installed wheel's are: an editable install
run with PYTHONDONTWRITEBYTECODE set would otherwise compile them from source in every run. The
load average is printed beside the figures, since a shared machine stretches every wall time.
"""

from __future__ import annotations

import argparse
import compileall
import os
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
    pid = 0  # the bot's process
    cpu: float | None = None  # its CPU seconds (all threads) when the first request arrived


def _cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process, from /proc (Linux; None elsewhere), in clock ticks' steps."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.server.first is None:
            self.server.first = time.perf_counter()
            self.server.cpu = _cpu_seconds(self.server.pid)
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(FEED)))
        self.end_headers()
        self.wfile.write(FEED)


def _once(newsbot: str, config: Path, server: _Server) -> tuple[float, float, float]:
    """(spawn -> first request, spawn -> exit, the bot's CPU seconds at its first request)."""
    server.first = server.cpu = None
    started = time.perf_counter()
    proc = subprocess.Popen(
        [newsbot, "run", "--once", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server.pid = proc.pid
    if proc.wait(timeout=120) != 0:
        raise SystemExit(f"the bot exited with {proc.returncode}")
    ended = time.perf_counter()
    if server.first is None:
        raise SystemExit("the bot made no request")
    return server.first - started, ended - started, server.cpu if server.cpu is not None else -1


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
    import bot

    compileall.compile_dir(str(Path(bot.__file__).parent), quiet=1)
    print("load average at start: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
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
            cpu = [r[2] for r in runs]
            print(
                f"parse_processes = {processes}: spawn -> first request median "
                f"{statistics.median(first) * 1000:.0f} ms (runs: "
                + ", ".join(f"{x * 1000:.0f}" for x in first)
                + f"); the bot's CPU by then median {statistics.median(cpu) * 1000:.0f} ms"
                f"; spawn -> exit median {statistics.median(total) * 1000:.0f} ms"
            )
    print("load average at end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    server.shutdown()


if __name__ == "__main__":
    main()
