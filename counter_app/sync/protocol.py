"""The sync protocol shared by the counter and the hub (docs/sync-protocol.md, version 1).

Dossiers travel in the national portal's `DongBoHoSoMC` layout and their history as
`CapNhatTienDoHoSoMC` entries (docs/rules.md §14), beside the few local fields the day
close needs (the local channel, which keeps "assisted" apart from "online").
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from counter_app.domain.calendar import VN_TZ
from counter_app.domain.lifecycle import Channel, EventKind, Status
from counter_app.i18n import N_, _

PROTOCOL_VERSION = 1
API_PREFIX = "/v1"

HEADER_DEVICE = "X-Device"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_NONCE = "X-Nonce"
HEADER_SIGNATURE = "X-Signature"
HEADER_PROTOCOL = "X-Protocol"
HEADER_HUB_TIME = "X-Hub-Time"

SIGNATURE_WINDOW_SECONDS = 300
"""A signed request is valid this long either side of the hub's clock."""

PORTAL_TIME_FORMAT = "%Y%m%d%H%M%S"
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
NONCE_RE = re.compile(r"^[0-9a-f]{16,64}$")
MAX_PROGRESS_ACTOR = 50
MAX_SUMMARY = 1000


# --- signing ----------------------------------------------------------------------------


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def string_to_sign(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """What the HMAC covers: protocol, method, path with query, time, nonce, body hash."""
    lines = (f"v{PROTOCOL_VERSION}", method.upper(), path, timestamp, nonce, body_digest(body))
    return "\n".join(lines).encode()


def sign(secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = string_to_sign(method, path, timestamp, nonce, body)
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_matches(
    secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes, given: str
) -> bool:
    return hmac.compare_digest(sign(secret, method, path, timestamp, nonce, body), given)


# --- portal layout ----------------------------------------------------------------------


def portal_time(value: datetime | None) -> str:
    """`yyyyMMddHHmmss` in Vietnam time (docs/rules.md §14); empty when unknown."""
    if value is None:
        return ""
    return value.astimezone(VN_TZ).strftime(PORTAL_TIME_FORMAT)


def parse_portal_time(text: str) -> datetime | None:
    if not text:
        return None
    return datetime.strptime(text, PORTAL_TIME_FORMAT).replace(tzinfo=VN_TZ)


def utc_text(value: datetime | None) -> str | None:
    """Times of the local fields: ISO 8601 in UTC with microseconds, as the audit chain hashes."""
    return None if value is None else value.astimezone(UTC).isoformat(timespec="microseconds")


def parse_utc_text(text: str | None) -> datetime | None:
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("time without offset")
    return moment.astimezone(UTC)


_ROLE_TITLE = {"clerk": N_("Công chức một cửa"), "leader": N_("Lãnh đạo"), "admin": N_("Quản trị")}


def _kind_text(kind: str) -> str:
    try:
        return EventKind(kind).label
    except ValueError:
        return kind


def progress_entry(
    code: str,
    event: dict[str, Any],
    status_now: str,
    due_at: datetime | None,
    department: str,
) -> dict[str, Any]:
    """One `CapNhatTienDoHoSoMC` entry for an event (docs/rules.md §14)."""
    at = parse_utc_text(event["at"])
    status = Status(event["to_status"] or status_now)
    text = _kind_text(event["kind"])
    if event["to_status"]:
        text = f"{text}: {Status(event['to_status']).label}"
    if event.get("reason"):
        text = f"{text} — {event['reason']}"
    return {
        "MaHoSo": code,
        "NguoiXuLy": str(event["actor"])[:MAX_PROGRESS_ACTOR],
        "ChucDanh": _(_ROLE_TITLE.get(event["actor_role"], event["actor_role"])),
        "ThoiDiemXuLy": portal_time(at),
        "PhongBanXuLy": department,
        "NoiDungXuLy": text,
        "TrangThai": status.portal_code,
        "NgayBatDau": portal_time(at),
        "NgayKetThucTheoQuyDinh": portal_time(due_at),
    }


def id_kind(number: str) -> int:
    """`LoaiDinhDanh`: 1 for the 12-digit personal ID, 2 for the old 9-digit card."""
    return 2 if len(number) == 9 else 1


def channel_code(channel: str) -> int:
    return Channel(channel).portal_code


def status_code(status: str) -> int:
    return Status(status).portal_code


# --- day close --------------------------------------------------------------------------

COUNT_FIELDS = ("received", "by_channel", "by_status", "by_procedure")


def manifest_difference(counter: dict[str, Any], hub: dict[str, Any]) -> dict[str, Any]:
    """The exact difference between the counter's manifest and the hub's: empty when equal.

    Count fields give both values; dossiers give the codes missing on the hub, the codes
    the hub holds that the counter did not list, and codes whose head hash differs.
    """
    difference: dict[str, Any] = {}
    for key in COUNT_FIELDS:
        mine, theirs = counter.get(key), hub.get(key)
        if isinstance(mine, dict) and isinstance(theirs, dict):
            keys = sorted(set(mine) | set(theirs))
            changed = {
                k: {"counter": mine.get(k, 0), "hub": theirs.get(k, 0)}
                for k in keys
                if mine.get(k, 0) != theirs.get(k, 0)
            }
            if changed:
                difference[key] = changed
        elif mine != theirs:
            difference[key] = {"counter": mine, "hub": theirs}
    mine_codes, hub_codes = set(counter.get("dossiers", ())), set(hub.get("dossiers", ()))
    if missing := sorted(mine_codes - hub_codes):
        difference["missing_on_hub"] = missing
    if extra := sorted(hub_codes - mine_codes):
        difference["unknown_to_counter"] = extra
    mine_heads, hub_heads = counter.get("heads", {}), hub.get("heads", {})
    stale = sorted(
        code
        for code in mine_codes & hub_codes
        if code in mine_heads and mine_heads.get(code) != hub_heads.get(code)
    )
    if stale:
        difference["head_mismatch"] = stale
    return difference


def canonical_json(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class PortalRecord:
    record: dict[str, Any]
    progress: tuple[dict[str, Any], ...] = ()
