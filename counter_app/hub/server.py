"""`hub serve`: uvicorn with the connection limits a public hub needs (docs/reliability.md).

* at most `max_connections` open connections in all (kept under the process's open-file
  limit, which is raised to its hard limit first) and `max_client_connections` from one
  address: a connection over either is closed as soon as it is accepted, so a flood of
  idle sockets neither exhausts the hub's files nor keeps others out;
* a connection must send a whole request head within `head_timeout` seconds of opening
  (or of its last answer): uvicorn's keep-alive timer only starts after a first answer,
  and a client that sends nothing, or a byte at a time, would otherwise stay for ever;
* request heads of at most `h11_max_incomplete_event_size` bytes (h11's limit);
* each repeated log line is written once per `log_window` seconds, with the count of the
  ones left out.

The bodies themselves are bounded by `counter_app.hub.limits.RequestLimits`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

_log = logging.getLogger("counter_app.hub")

RESERVED_FILES = 256
"""Open files kept free of connections: the database, page files, the thread pool."""


@dataclass(frozen=True)
class ServerLimits:
    max_connections: int = 2048
    max_client_connections: int = 32
    """0 turns the per-address limit off (behind a reverse proxy every client is the
    proxy's address: the proxy limits per client, `limit_conn`)."""
    idle_timeout: int = 5
    """Seconds a kept-alive connection may wait for its next request (uvicorn's
    `timeout_keep_alive`)."""
    head_timeout: float = 10.0
    max_head_bytes: int = 16 * 1024
    log_window: float = 60.0


class RepeatFilter(logging.Filter):
    """Let a log line through once per `window` seconds per message template (and logger,
    level and exception type); the next one after the window says how many were left out.

    A flood of bad connections used to write one line each (450,000 lines in a test).
    """

    def __init__(self, window: float = 60.0, clock: Any = time.monotonic) -> None:
        super().__init__()
        self.window = window
        self.clock = clock
        self.seen: dict[tuple[object, ...], list[float]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        kind = record.exc_info[0] if record.exc_info else None
        key = (record.name, record.levelno, str(record.msg), kind)
        now = self.clock()
        entry = self.seen.get(key)
        if entry is not None and now - entry[0] < self.window:
            entry[1] += 1
            return False
        if entry is not None and entry[1]:
            record.msg = f"{record.msg} [repeated {int(entry[1])} more times in {self.window:g} s]"
        if len(self.seen) >= 1000:  # a bounded memory of templates
            self.seen.clear()
        self.seen[key] = [now, 0]
        return True


def install_log_filters(window: float) -> RepeatFilter:
    """One `RepeatFilter` on the loggers a flood writes to."""
    repeat = RepeatFilter(window)
    for name in ("uvicorn.error", "uvicorn.access", "asyncio", "counter_app.hub"):
        logging.getLogger(name).addFilter(repeat)
    return repeat


def raise_open_file_limit() -> int:
    """Raise the soft open-file limit to the hard one; the soft limit now (0: unknown)."""
    try:
        import resource
    except ImportError:  # Windows: no such limit to raise
        return 0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    return 0 if soft == resource.RLIM_INFINITY else int(soft)


def limited_protocol(limits: ServerLimits) -> type[H11Protocol]:
    """uvicorn's h11 protocol with the connection limits and the request-head timeout."""
    per_client: Counter[str] = Counter()

    class LimitedH11Protocol(H11Protocol):
        _address = ""
        _refused = False
        _head_timer: asyncio.TimerHandle | None = None
        _timed_cycle: object = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            peer = transport.get_extra_info("peername")
            address = str(peer[0]) if isinstance(peer, tuple) and peer else ""
            cap = limits.max_client_connections
            if len(self.connections) >= limits.max_connections or (
                cap and per_client[address] >= cap
            ):
                self._refused = True
                _log.warning(
                    "connection refused: %d open in all, %d from %s",
                    len(self.connections),
                    per_client[address],
                    address,
                )
                transport.abort()
                return
            self._address = address
            per_client[address] += 1
            super().connection_made(transport)
            self._arm_head_timer()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._refused:
                return
            per_client[self._address] -= 1
            if per_client[self._address] <= 0:
                del per_client[self._address]
            self._cancel_head_timer()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            if self._refused:
                return
            super().data_received(data)
            if self.cycle is not self._timed_cycle:
                self._cancel_head_timer()  # a whole new request head has arrived

        def on_response_complete(self) -> None:
            finished = self.cycle
            super().on_response_complete()  # may start a pipelined request's cycle
            if not self.transport.is_closing() and self.cycle is finished:
                # the rest of a refused body, then the next request head, in time
                self._arm_head_timer()

        def _arm_head_timer(self) -> None:
            self._cancel_head_timer()
            self._timed_cycle = self.cycle
            self._head_timer = self.loop.call_later(limits.head_timeout, self._head_timed_out)

        def _cancel_head_timer(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_timed_out(self) -> None:
            self._head_timer = None
            if self.cycle is self._timed_cycle and not self.transport.is_closing():
                _log.info("closed a connection that sent no request in time")
                self.transport.close()

    return LimitedH11Protocol


def server_config(app: Any, host: str, port: int, limits: ServerLimits) -> uvicorn.Config:
    """The uvicorn configuration of `hub serve`, with `limits` applied."""
    soft = raise_open_file_limit()
    connections = limits.max_connections
    if soft:
        connections = max(16, min(connections, soft - RESERVED_FILES))
    bounded = ServerLimits(
        max_connections=connections,
        max_client_connections=limits.max_client_connections,
        idle_timeout=limits.idle_timeout,
        head_timeout=limits.head_timeout,
        max_head_bytes=limits.max_head_bytes,
        log_window=limits.log_window,
    )
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        http=limited_protocol(bounded),
        # uvicorn answers 503 past this many connections or tasks; the protocol above
        # closes surplus connections first, so this only bounds concurrent requests.
        limit_concurrency=connections + 64,
        timeout_keep_alive=limits.idle_timeout,
        h11_max_incomplete_event_size=limits.max_head_bytes,
        backlog=min(2048, connections),
    )


def serve(app: Any, host: str, port: int, limits: ServerLimits) -> None:
    """Run the hub until stopped."""
    config = server_config(app, host, port, limits)
    server = uvicorn.Server(config)
    config.load()  # uvicorn sets up its loggers here; the repeat filter goes on them after
    install_log_filters(limits.log_window)
    server.run()
