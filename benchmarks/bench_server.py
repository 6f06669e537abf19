"""Benchmark of the reference server (a script, not a timed test).

1. Throughput: an authenticated GET (bearer JWT check, rate limit, tenant lookup: GET /auth/teams/{id}) against a
   bare Starlette hello-world, both on uvicorn + uvloop + httptools, one worker each, driven by the same load tool
   in one run: wrk (Debian package) when it is on PATH, else a Python load generator in separate processes.
   The reference server's limit is lifted for this part (a tester's setting, --rate-limit): the limiter still
   runs on every request, it just never refuses.
2. The limiter at its real setting (30/s): one user offering 2x the limit across the three services (accepted
   rate, target 30 +- 1.5 req/s) and offering 28 req/s (target: no 429).

Usage: python benchmarks/bench_server.py [--duration 10] [--connections 50] [--limiter-seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from multiprocessing import Process, Queue

import httpx

from conformance.loopback import serve_on_loopback

ACCOUNT = {"email": "bench@example.com", "password": "correct horse battery"}


def hello_app() -> object:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def hello(request: Request) -> JSONResponse:
        return JSONResponse({"hello": "world"})

    return Starlette(routes=[Route("/hello", hello)])


def serve_hello() -> None:
    """The baseline app on a loopback port this process binds itself; its URL is printed for the parent."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    host, port = sock.getsockname()
    print(f"hello-world on http://{host}:{port}", flush=True)
    config = uvicorn.Config(hello_app(), loop="uvloop", http="httptools", log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, headers: dict[str, str], duration: int, connections: int) -> Result:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", url]
    for name, value in headers.items():
        cmd[1:1] = ["-H", f"{name}: {value}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout  # noqa: S603 - wrk, fixed args
    if "Non-2xx" in out:
        raise RuntimeError(f"non-2xx responses during the benchmark:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s*50%\s+(\S+)", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s*99%\s+(\S+)", out, re.MULTILINE).group(1))  # type: ignore[union-attr]
    return Result(rps, p50, p99)


def _py_worker(url: str, headers: dict[str, str], duration: float, connections: int, out: Queue) -> None:
    async def run() -> list[float]:
        latencies: list[float] = []
        end = time.perf_counter() + duration
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        async with httpx.AsyncClient(limits=limits, headers=headers) as client:

            async def loop() -> None:
                while time.perf_counter() < end:
                    start = time.perf_counter()
                    response = await client.get(url)
                    if response.status_code != 200:
                        raise RuntimeError(f"{response.status_code}: {response.text}")
                    latencies.append(time.perf_counter() - start)

            await asyncio.gather(*(loop() for _ in range(connections)))
        return latencies

    out.put(asyncio.run(run()))


def pyload(url: str, headers: dict[str, str], duration: int, connections: int) -> Result:
    queue: Queue = Queue()
    procs = [Process(target=_py_worker, args=(url, headers, duration, connections // 2, queue)) for _ in range(2)]
    for p in procs:
        p.start()
    latencies = sorted(x for _ in procs for x in queue.get())
    for p in procs:
        p.join()
    return Result(
        len(latencies) / duration, latencies[len(latencies) // 2] * 1000, latencies[int(len(latencies) * 0.99)] * 1000
    )


def bootstrap(base: str) -> tuple[dict[str, str], str]:
    with httpx.Client(base_url=base) as client:
        client.post("/auth/signup", json=ACCOUNT)
        login = client.post("/auth/login", json=ACCOUNT)
        login.raise_for_status()
        access = login.headers.get_list("set-cookie")[0].split(";", 1)[0].split("=", 1)[1]
        bearer = {"Authorization": f"Bearer {access}"}
        team = client.post("/auth/teams", json={"name": "bench"}, headers=bearer).json()
        return bearer, f"/auth/teams/{team['id']}"


def reference_cmd(*extra: str) -> list[str]:
    return [sys.executable, "-m", "reference_server.cli", "--port", "0", *extra]


async def offered_load(base: str, headers: dict[str, str], rate: float, seconds: float) -> tuple[int, int]:
    """Requests sent at exactly ``rate`` per second (not one at a time), round robin over the three services."""
    paths = ["/auth/me", "/compute/instances", "/storage/buckets"]
    counts = {"ok": 0, "limited": 0}
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=httpx.Limits(max_connections=64)) as client:

        async def one(i: int) -> None:
            response = await client.get(paths[i % 3])
            if response.status_code == 429:
                counts["limited"] += 1
            elif response.status_code == 200:
                counts["ok"] += 1
            else:
                raise RuntimeError(f"unexpected {response.status_code}: {response.text}")

        start = time.perf_counter()
        tasks = []
        for i in range(int(rate * seconds)):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
    return counts["ok"], counts["limited"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--limiter-seconds", type=int, default=20)
    parser.add_argument("--serve-hello", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_hello:
        serve_hello()
        return 0
    tool = "wrk" if shutil.which("wrk") else "python (2 processes, httpx)"
    drive = wrk if shutil.which("wrk") else pyload
    print(f"load tool: {tool}; {args.connections} connections, {args.duration}s per run, {args.rounds} rounds")
    hello_runs, auth_runs = [], []
    with (
        serve_on_loopback([sys.executable, __file__, "--serve-hello"]) as hello_base,
        serve_on_loopback(reference_cmd("--rate-limit", "100000000")) as ref_base,
    ):
        hello_url = hello_base + "/hello"
        headers, path = bootstrap(ref_base)
        for _ in range(args.rounds):  # interleaved, so drift in the machine's load hits both alike
            hello_runs.append(drive(hello_url, {}, args.duration, args.connections))
            auth_runs.append(drive(ref_base + path, headers, args.duration, args.connections))
    hello = max(hello_runs, key=lambda r: r.rps)
    auth = max(auth_runs, key=lambda r: r.rps)
    row = "{:<34} {:9.0f} req/s  p50 {:6.2f} ms  p99 {:6.2f} ms"
    print(row.format("hello-world (bare Starlette):", hello.rps, hello.p50_ms, hello.p99_ms))
    print(row.format("authenticated GET /auth/teams/{id}:", auth.rps, auth.p50_ms, auth.p99_ms))
    print(f"ratio authenticated / hello-world: {auth.rps / hello.rps:.2f}x (target >= 0.60x)")
    print(f"all rounds req/s: hello {[round(r.rps) for r in hello_runs]}, auth {[round(r.rps) for r in auth_runs]}")

    with serve_on_loopback(reference_cmd()) as base:
        headers, _ = bootstrap(base)
        time.sleep(1.1)
        seconds = args.limiter_seconds
        ok, limited = asyncio.run(offered_load(base, headers, 60, seconds))
        print(
            f"limiter, 60 req/s offered for {seconds}s across auth/compute/storage: "
            f"accepted {ok / seconds:.2f} req/s ({ok} ok, {limited} x 429; target 30 +- 1.5)"
        )
        time.sleep(1.1)
        ok, limited = asyncio.run(offered_load(base, headers, 28, seconds))
        print(f"limiter, 28 req/s offered for {seconds}s: {ok} ok, {limited} x 429 (target: no 429)")
    return 0


if __name__ == "__main__":
    if os.environ.get("PYTHONHASHSEED") is None:
        os.environ["PYTHONHASHSEED"] = "0"
    raise SystemExit(main())
