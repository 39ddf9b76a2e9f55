"""A loopback HTTP/1.1 proxy between counters and the hub that misbehaves on purpose.

Each request it takes may be, at random:

* `drop`: never forwarded; the counter's connection is closed.
* `cut_answer`: forwarded whole, the hub's answer thrown away; the counter's connection is
  closed (the hub did the work, the counter does not know).
* `cut_body`: the head and part of the body reach the hub, then both connections close.
* `delay`: held 50-400 ms, then forwarded.
* `duplicate`: forwarded twice; the counter gets the first answer.
* `reorder`: the counter's connection is closed, and the request reaches the hub later,
  after the next one (so the hub sees them out of order).

Requests are read whole (head, then `Content-Length` bytes) and forwarded with httpx, the
raw path and body unchanged so the device signature still holds. Runs an asyncio loop in a
thread; `faults` counts what was injected, by kind.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

FAULTS = ("drop", "cut_answer", "cut_body", "delay", "duplicate", "reorder")
HOP_HEADERS = {"host", "content-length", "connection", "transfer-encoding", "keep-alive"}


@dataclass
class Held:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class FaultyProxy:
    upstream: str
    seed: int = 0
    rate: float = 0.0
    """Share of requests that meet a fault; 0 passes everything through."""
    faults: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    url: str = ""

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.held: list[Held] = []
        self.lock = threading.Lock()

    def choose(self) -> str | None:
        with self.lock:
            self.requests += 1
            if self.rng.random() >= self.rate:
                return None
            fault = self.rng.choice(FAULTS)
            self.faults[fault] += 1
            return fault

    async def forward(self, client: httpx.AsyncClient, request: Held) -> httpx.Response:
        response = await client.send(
            client.build_request(
                request.method,
                self.upstream + request.target,
                headers=request.headers,
                content=request.body,
            ),
            stream=True,
        )
        await response.aread()
        return response

    async def cut_body(self, request: Held) -> None:
        """Send the head and half the body to the hub, then hang up."""
        parts = urlsplit(self.upstream)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        head = [f"{request.method} {request.target} HTTP/1.1", f"host: {parts.netloc}"]
        head += [f"{k}: {v}" for k, v in request.headers]
        head.append(f"content-length: {len(request.body)}")
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        writer.write(request.body[: len(request.body) // 2])
        await writer.drain()
        writer.close()
        await writer.wait_closed()
        del reader

    async def deliver_held(self, client: httpx.AsyncClient) -> None:
        with self.lock:
            held, self.held = self.held, []
        for request in held:
            with contextlib.suppress(httpx.HTTPError):
                await self.forward(client, request)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async with httpx.AsyncClient(timeout=30) as client:
            try:
                while True:
                    try:
                        head = await reader.readuntil(b"\r\n\r\n")
                    except (asyncio.IncompleteReadError, ConnectionError):
                        return
                    lines = head.decode("latin-1").split("\r\n")
                    method, target, _version = lines[0].split(" ", 2)
                    headers = []
                    length = 0
                    for line in lines[1:]:
                        if not line:
                            continue
                        name, _colon, value = line.partition(":")
                        name, value = name.strip().lower(), value.strip()
                        if name == "content-length":
                            length = int(value)
                        if name not in HOP_HEADERS:
                            headers.append((name, value))
                    body = await reader.readexactly(length) if length else b""
                    request = Held(method, target, headers, body)
                    fault = self.choose()
                    if fault == "drop":
                        return
                    if fault == "reorder":
                        with self.lock:
                            self.held.append(request)
                        return
                    if fault == "cut_body":
                        await self.cut_body(request)
                        return
                    if fault == "delay":
                        await asyncio.sleep(self.rng.uniform(0.05, 0.4))
                    response = await self.forward(client, request)
                    if fault == "duplicate":
                        await self.forward(client, request)
                    await self.deliver_held(client)  # what was held arrives after this one
                    if fault == "cut_answer":
                        return
                    raw = response.content  # decoded by httpx: sent on plain
                    out = [f"HTTP/1.1 {response.status_code} {response.reason_phrase}"]
                    out += [
                        f"{k}: {v}"
                        for k, v in response.headers.items()
                        if k.lower() not in HOP_HEADERS and k.lower() != "content-encoding"
                    ]
                    out.append(f"content-length: {len(raw)}")
                    writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + raw)
                    await writer.drain()
            finally:
                writer.close()


@contextmanager
def faulty_proxy(upstream: str, *, seed: int = 0) -> Iterator[FaultyProxy]:
    """A FaultyProxy on a free loopback port, in front of `upstream`, for the block."""
    proxy = FaultyProxy(upstream, seed)
    loop = asyncio.new_event_loop()
    started = threading.Event()
    server: list[asyncio.base_events.Server] = []

    async def start() -> None:
        server.append(await asyncio.start_server(proxy.handle, "127.0.0.1", 0))
        port = server[0].sockets[0].getsockname()[1]
        proxy.url = f"http://127.0.0.1:{port}"
        started.set()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    started.wait(10)
    try:
        yield proxy
    finally:

        async def stop() -> None:
            server[0].close()
            await server[0].wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
