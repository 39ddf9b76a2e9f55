"""Bounds on every request before the hub reads it: body size on the wire (streamed, and
refused from `Content-Length` before a byte is read), size and ratio after gzip
(decompressed in a stream with a cap), JSON nesting depth, and the time a client may take
to send its body. See docs/reliability.md.

Every refusal is a `HubRefusal` (reason code + Vietnamese message): 413 `too_large`,
413 `decoded_too_large`, 415 `unsupported_encoding`, 408 `body_timeout`, 400 `too_deep`
or `bad_request`.
"""

from __future__ import annotations

import asyncio
import json
import re
import zlib
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from counter_app.i18n import _

KIB = 1024
MIB = 1024 * KIB

MAX_JSON_DEPTH = 32
"""The deepest JSON the protocol sends is about 6 levels; nothing needs more than this."""

MAX_RATIO = 100
"""Decompressed bytes per compressed byte beyond `RATIO_FLOOR`: JSON batches compress about
9 to 1; a gzip bomb about 1000 to 1."""

RATIO_FLOOR = MIB

BODY_TIMEOUT_SECONDS = 30.0
"""The longest wait for the next piece of a request body."""

DRAIN_LIMIT = 8 * MIB
"""A refused body of at most this declared length is read and dropped after the answer,
so that the client, still sending, sees the answer rather than a reset connection; a
longer or unbounded (chunked) one closes the connection instead."""

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class BodyLimit:
    """What one route may receive: bytes on the wire, and bytes once gunzipped."""

    wire: int
    decoded: int


SMALL = BodyLimit(wire=16 * KIB, decoded=64 * KIB)
"""Anything not listed below: GETs, enrolment, portal sign-in, unknown paths."""

ROUTE_LIMITS: tuple[tuple[str, re.Pattern[str], BodyLimit], ...] = (
    ("POST", re.compile(r"^/v1/batches$"), BodyLimit(wire=16 * MIB, decoded=32 * MIB)),
    ("POST", re.compile(r"^/v1/day-close$"), BodyLimit(wire=2 * MIB, decoded=8 * MIB)),
    # a page chunk (at most 4 MiB, `MAX_CHUNK_BYTES`); raw bytes, never gzip
    ("PUT", re.compile(r"^/v1/pages/[^/]+$"), BodyLimit(wire=4 * MIB, decoded=4 * MIB)),
    # unauthenticated until its session is read from the body: kept small
    ("POST", re.compile(r"^/portal/integration$"), BodyLimit(wire=1 * MIB, decoded=2 * MIB)),
)


def body_limit(method: str, path: str) -> BodyLimit:
    for route_method, pattern, limit in ROUTE_LIMITS:
        if method == route_method and pattern.match(path):
            return limit
    return SMALL


class BodyTooLarge(Exception):
    """Raised inside `receive` when the body passes its route's limit."""


class BodyTimeout(Exception):
    """Raised inside `receive` when the client stops sending its body."""


class RequestLimits:
    """ASGI middleware: refuse a body over its route's limit from `Content-Length` before
    reading it, count a streamed one as it comes and stop at the limit, refuse encodings
    other than gzip, and give up on a client that stalls. A response sent before the body
    was read whole closes the connection, unless the rest is short enough to drop
    (`DRAIN_LIMIT`): nothing past the limit is ever kept.

    `refuse(status, reason, message)` builds the refusal (the hub's JSON); it is sent here
    when the application has not answered yet. `stamp()` gives a header every answer gets.
    """

    def __init__(
        self,
        app: ASGIApp,
        refuse: Callable[[int, str, str], Any],
        *,
        stamp: Callable[[], tuple[bytes, bytes]] | None = None,
        limit_for: Callable[[str, str], BodyLimit] = body_limit,
        body_timeout: float = BODY_TIMEOUT_SECONDS,
    ) -> None:
        self.app = app
        self.refuse = refuse
        self.stamp = stamp
        self.limit_for = limit_for
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.stamp is not None:
            send = self._stamped(send)
        limit = self.limit_for(scope["method"], scope["path"])
        headers = {k.lower(): v for k, v in scope.get("headers", ())}
        length = headers.get(b"content-length")
        if length is not None and not length.isdigit():
            message = _("Độ dài nội dung không hợp lệ.")
            await self._answer(scope, receive, send, 400, "bad_request", message)
            return
        if length is not None and int(length) > limit.wire:
            # answered before a byte of the body is read; a short one is dropped after
            drop = int(length) <= DRAIN_LIMIT
            text = _too_large(limit.wire)
            await self._answer(scope, receive, send, 413, "too_large", text, close=not drop)
            return
        encoding = headers.get(b"content-encoding", b"identity").strip().lower()
        if encoding not in (b"identity", b"gzip", b""):
            message = _("Nội dung nén kiểu {kind} không được hỗ trợ; chỉ nhận gzip.").format(
                kind=encoding.decode("latin-1")[:20]
            )
            await self._answer(scope, receive, send, 415, "unsupported_encoding", message)
            return
        no_body = length in (None, b"0") and b"transfer-encoding" not in headers
        drainable = length is not None and int(length) <= DRAIN_LIMIT
        state = {"received": 0, "done": no_body, "started": False}

        async def limited_receive() -> Message:
            if state["done"]:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.body_timeout)
            except TimeoutError:
                raise BodyTimeout from None
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > limit.wire:
                    raise BodyTooLarge
                if not message.get("more_body", False):
                    state["done"] = True
            else:
                state["done"] = True
            return message

        async def tracked_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["started"] = True
                if not state["done"] and not drainable:  # the rest is not wanted: close after
                    message["headers"] = [*message.get("headers", ()), (b"connection", b"close")]
            await send(message)

        try:
            await self.app(scope, limited_receive, tracked_send)
        except BodyTooLarge:
            if state["started"]:
                raise
            await self._answer(scope, receive, send, 413, "too_large", _too_large(limit.wire))
        except BodyTimeout:
            if state["started"]:
                raise
            message = _("Máy khách gửi nội dung quá chậm; kết nối bị đóng.")
            await self._answer(scope, receive, send, 408, "body_timeout", message)

    def _stamped(self, send: Send) -> Send:
        stamp = self.stamp
        assert stamp is not None

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), stamp()]
            await send(message)

        return stamped

    async def _answer(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        status: int,
        reason: str,
        text: str,
        *,
        close: bool = True,
    ) -> None:
        response = self.refuse(status, reason, text)
        if close:
            response.headers["connection"] = "close"
        await response(scope, receive, send)


def _too_large(limit: int) -> str:
    return _("Yêu cầu quá lớn: tối đa {n} byte.").format(n=limit)


class LimitExceeded(Exception):
    """A decoded body over its limit: (status, reason, message) for the refusal."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message


def gunzip_bounded(data: bytes, limit: int) -> bytes:
    """`data` gunzipped in a stream that stops past `limit` bytes or past `MAX_RATIO` times
    its size (beyond `RATIO_FLOOR`): a gzip bomb costs the hub `limit` bytes, not a GiB."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    cap = min(limit, max(RATIO_FLOOR, MAX_RATIO * len(data)))
    out = bytearray()
    pending = data
    try:
        while pending and not inflater.eof:
            out += inflater.decompress(pending, cap + 1 - len(out))
            if len(out) > cap:
                raise LimitExceeded(
                    413,
                    "decoded_too_large",
                    _("Nội dung giải nén vượt quá {n} byte.").format(n=cap),
                )
            pending = inflater.unconsumed_tail
    except zlib.error:
        raise LimitExceeded(400, "bad_request", _("Nội dung nén gzip bị hỏng.")) from None
    if not inflater.eof or inflater.unused_data:
        raise LimitExceeded(400, "bad_request", _("Nội dung nén gzip bị hỏng."))
    return bytes(out)


_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_INNERMOST = re.compile(rb"\[\]|\{\}")


def json_depth_within(data: bytes, depth: int = MAX_JSON_DEPTH) -> bool:
    """Whether the arrays and objects of JSON text `data` nest at most `depth` deep,
    checked before parsing, in C-speed passes: the strings are dropped, the brackets kept,
    and each pass removes the innermost pairs. Brackets that do not pair up are left to
    the parser to refuse (its own recursion limit is caught)."""
    brackets = _JSON_STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    for _level in range(depth):
        shorter = _INNERMOST.sub(b"", brackets)
        if len(shorter) == len(brackets):
            return True  # nothing left, or nothing that pairs up
        brackets = shorter
    return _INNERMOST.search(brackets) is None


def parse_json_body(body: bytes, encoding: str, limit: BodyLimit) -> Any:
    """A request body as JSON within `limit`: gunzipped with a cap, depth-checked before
    the parser sees it. Raises LimitExceeded (413 / 400) for anything out of bounds."""
    if encoding.strip().lower() == "gzip":
        body = gunzip_bounded(body, limit.decoded)
    elif len(body) > limit.decoded:
        raise LimitExceeded(413, "too_large", _too_large(limit.decoded))
    if not json_depth_within(body):
        raise LimitExceeded(
            400,
            "too_deep",
            _("JSON lồng quá {n} tầng.").format(n=MAX_JSON_DEPTH),
        )
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise LimitExceeded(400, "bad_request", _("Nội dung không phải JSON hợp lệ.")) from None
