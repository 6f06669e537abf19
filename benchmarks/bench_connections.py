"""Benchmark of the reference server's HTTP-layer limits against connection-exhaustion attacks (a script, not a
timed test). Each attack runs against a fresh ``cloudnx-reference`` on loopback, with its default limits unless
given; it prints how many attacking connections are still open over time, when the server closed them, the
server's RSS, and whether a normal client was still answered during the attack.

Attacks: ``slowloris`` (a request head trickled one header line every ``--trickle`` seconds, never finished),
``slow-body`` (a complete head announcing a body, then one byte every ``--trickle`` seconds), ``idle`` (connect,
send nothing), ``keep-alive`` (one complete GET, its answer read, then nothing on the kept-alive connection),
``upgrade`` (a WebSocket upgrade request, then nothing), ``huge-header`` (16 MiB header values pushed as fast as the
socket takes them, 8 connections). Beside RSS it prints the server's open file descriptors (``/proc/<pid>/fd``).

Usage: python benchmarks/bench_connections.py [--connections 200] [--seconds 40] [--trickle 2]
       [--attacks slowloris,slow-body,idle,keep-alive,upgrade,huge-header] [-- server options]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx


@contextlib.contextmanager
def server(extra: list[str]) -> Iterator[tuple[str, int]]:
    command = [sys.executable, "-m", "reference_server.cli", "--port", "0", *extra]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # noqa: S603 - our own server
    try:
        line = process.stdout.readline() if process.stdout is not None else ""
        if "http://" not in line:
            raise SystemExit(f"the server did not start: {line!r}")
        yield line.strip().rsplit(" ", 1)[-1], process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


_WEBSOCKET_UPGRADE = (
    b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    b"Sec-WebSocket-Version: 13\r\n\r\n"
)


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


async def attacker(kind: str, host: str, port: int, trickle: float, closed_at: list[float], start: float) -> None:
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError:
        closed_at.append(time.monotonic() - start)  # refused outright
        return
    head = f"POST /auth/login HTTP/1.1\r\nHost: {host}:{port}\r\n".encode()
    try:
        if kind == "slowloris":
            writer.write(head)
            for n in range(100_000):
                await asyncio.sleep(trickle)
                writer.write(b"X-Slow-%d: 1\r\n" % n)
                await writer.drain()
        elif kind == "slow-body":
            writer.write(head + b"Content-Type: application/json\r\nContent-Length: 60000\r\n\r\n")
            for _ in range(60_000):
                await asyncio.sleep(trickle)
                writer.write(b" ")
                await writer.drain()
        elif kind == "huge-header":
            writer.write(head + b"X-Huge: ")
            chunk = b"a" * 65536
            for _ in range(256):  # 16 MiB
                writer.write(chunk)
                await writer.drain()
            await reader.read()  # whatever the server answered, until it closes
        elif kind == "keep-alive":
            writer.write(head.replace(b"POST /auth/login", b"GET /auth/.well-known/jwks.json") + b"\r\n")
            await writer.drain()
            await reader.read()  # the answer, then whatever follows until the server closes
        elif kind == "upgrade":
            writer.write(head.replace(b"POST /auth/login", b"GET /auth/.well-known/jwks.json") + _WEBSOCKET_UPGRADE)
            await writer.drain()
            await reader.read()
        else:  # idle
            await reader.read()
        if not reader.at_eof():
            await reader.read()
    except (ConnectionError, OSError):
        pass
    closed_at.append(time.monotonic() - start)
    writer.close()


async def normal_client(url: str, seconds: float, results: list[int]) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=5) as client:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                results.append((await client.get("/auth/.well-known/jwks.json")).status_code)
            except httpx.HTTPError:
                results.append(0)
            await asyncio.sleep(1)


async def attack(kind: str, url: str, pid: int, connections: int, seconds: float, trickle: float) -> None:
    host, port = url.split("//", 1)[1].rsplit(":", 1)
    start = time.monotonic()
    closed_at: list[float] = []
    base_rss, base_fds = rss_mib(pid), open_fds(pid)
    tasks = [
        asyncio.create_task(attacker(kind, host, int(port), trickle, closed_at, start)) for _ in range(connections)
    ]
    answered: list[int] = []
    probe = asyncio.create_task(normal_client(url, seconds, answered))
    peak, peak_fds = base_rss, base_fds
    print(
        f"\n== {kind}: {connections} connections, trickle {trickle:g} s, {seconds:g} s; "
        f"RSS before {base_rss:.1f} MiB, server fds {base_fds}"
    )
    for second in range(int(seconds)):
        await asyncio.sleep(1)
        peak, peak_fds = max(peak, rss_mib(pid)), max(peak_fds, open_fds(pid))
        if second % 5 == 4:
            print(
                f"  t={second + 1:3d}s  open {connections - len(closed_at):4d}  RSS {rss_mib(pid):6.1f} MiB  "
                f"server fds {open_fds(pid):5d}"
            )
        if len(closed_at) == connections:
            break
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await probe
    if closed_at:
        ordered = sorted(closed_at)
        print(
            f"  closed by the server: {len(closed_at)}/{connections}; first at {ordered[0]:.1f} s, median "
            f"{ordered[len(ordered) // 2]:.1f} s, last at {ordered[-1]:.1f} s"
        )
    else:
        print(f"  closed by the server: 0/{connections} within {seconds:g} s")
    ok = sum(1 for s in answered if s == 200)
    print(
        f"  RSS peak {peak:.1f} MiB, after {rss_mib(pid):.1f} MiB; server fds peak {peak_fds}, after "
        f"{open_fds(pid)}; normal client answered {ok}/{len(answered)}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--trickle", type=float, default=2)
    parser.add_argument("--attacks", default="slowloris,slow-body,idle,keep-alive,upgrade,huge-header")
    parser.add_argument("server_args", nargs="*", help="after --: options for cloudnx-reference")
    args = parser.parse_args()
    for kind in args.attacks.split(","):
        connections = 8 if kind == "huge-header" else args.connections
        with server(["--rate-limit", "100000", *args.server_args]) as (url, pid):
            asyncio.run(attack(kind, url, pid, connections, args.seconds, args.trickle))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
