"""Helpers of the sync tests: a real hub on loopback, counters, dossiers and pages."""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from counter_app.domain.applicants import Organisation, Person
from counter_app.domain.lifecycle import Channel, Status
from counter_app.dossiers.service import IntakeRequest, intake, move
from counter_app.hub.app import create_app, serving
from counter_app.hub.service import Hub, open_hub_database
from counter_app.kernel.context import AppContext
from counter_app.kernel.page_files import page_path
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.store.models import Dossier, Page

PORTAL_ACCOUNTS = {"tinh-khanhhoa": "mat-khau-thu"}


class RunningHub:
    def __init__(self, hub: Hub, url: str):
        self.hub = hub
        self.url = url


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_hub(
    root: Path,
    database_url: str | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
    wrap: Callable[[FastAPI], Any] | None = None,
) -> Iterator[RunningHub]:
    """A hub served by uvicorn in a thread on a free loopback port."""
    root.mkdir(parents=True, exist_ok=True)
    url = database_url or f"sqlite:///{(root / 'hub.sqlite3').as_posix()}"
    hub = Hub(open_hub_database(url), root / "blobs", **({"clock": clock} if clock else {}))
    app = create_app(hub, PORTAL_ACCOUNTS)
    try:
        with serving(wrap(app) if wrap else app) as base_url:
            yield RunningHub(hub, base_url)
    finally:
        hub.engine.dispose()


PEOPLE = [
    ("Nguyễn Văn An", "056090012345"),
    ("Trần Thị Bích", "056190023456"),
    ("Lê Đức Cường", "056085034567"),
    ("Phạm Thị Dung", "056195045678"),
]


def day_of_intake(ctx: AppContext, start: datetime, count: int = 8) -> list[str]:
    """`count` dossiers across channels, some moved on, received on `start`'s day."""
    codes = []
    procedures = ["1.001193", "1.000656", "2.000908", "1.001193"]
    channels = [Channel.DIRECT, Channel.POSTAL, Channel.DIRECT, Channel.ONLINE]
    for i in range(count):
        ctx.clock.now = start + timedelta(minutes=10 * i)  # type: ignore[attr-defined]
        name, number = PEOPLE[i % len(PEOPLE)]
        applicant: Person | Organisation = Person(name=name, id_number=number)
        if i % 5 == 4:
            applicant = Organisation(name="Công ty TNHH Hải Âu", tax_code="4201234567")
        view = intake(
            ctx,
            IntakeRequest(procedures[i % 4], applicant, channels[i % 4]),
            SYSTEM_ACTOR,
        )
        codes.append(view.code)
        if i % 3 == 1:
            move(ctx, view.code, Status.PROCESSING, SYSTEM_ACTOR)
        if i % 3 == 2:
            move(ctx, view.code, Status.SUPPLEMENT, SYSTEM_ACTOR, "Thiếu bản sao giấy khai sinh")
    return codes


def add_page(ctx: AppContext, code: str, data: bytes, position: int = 1) -> str:
    """Put a page file in the page store and its row on the dossier (before any sync)."""
    sha = hashlib.sha256(data).hexdigest()
    path = page_path(ctx.pages_dir, sha)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    import sqlalchemy as sa

    with ctx.session() as session:
        dossier = session.execute(sa.select(Dossier).where(Dossier.code == code)).scalar_one()
        session.add(
            Page(
                dossier_id=dossier.id,
                position=position,
                sha256=sha,
                media_type="image/png",
                size_bytes=len(data),
                added_at=datetime.now(UTC),
                added_by="system",
            )
        )
    return sha


def random_bytes(size: int, seed: int) -> bytes:
    return hashlib.shake_256(f"page-{seed}".encode()).digest(size)


def hub_env() -> dict[str, str]:
    return {**os.environ, "COUNTER_APP_LANG": "vi"}
