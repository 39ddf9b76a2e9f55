"""The sync as scripts run it: `hub serve`, `enroll`, `intake`, `sync --close-day`,
`hub counts` in real processes; and a sync killed in the middle of an upload.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from counter_app.domain.calendar import VN_TZ
from counter_app.hub.models import HubEvent, HubPage
from counter_app.kernel.config import load_config, save_config
from counter_app.kernel.context import open_context
from counter_app.store.models import Event, OutboxItem
from counter_app.sync.service import enroll
from tests.conftest import MutableClock, make_data_dir
from tests.sync_support import add_page, day_of_intake, free_port, random_bytes, running_hub

APPLICANTS = [
    {"kind": "person", "name": "Nguyễn Văn An", "id_number": "056090012345", "gender": "Nam"},
    {"kind": "person", "name": "Trần Thị Bích", "id_number": "056190023456", "gender": "Nữ"},
    {"kind": "organisation", "name": "Công ty TNHH Hải Âu", "tax_code": "4201234567"},
]


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "counter_app.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COUNTER_APP_LANG": "vi"},
        timeout=120,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def hub_process(tmp_path: Path):
    hub_dir = tmp_path / "hubdata"
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "counter_app.cli",
            "hub",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(hub_dir),
        ],
        env={**os.environ, "COUNTER_APP_LANG": "vi"},
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        try:
            httpx.get(f"{url}/v1/time", timeout=1)
            break
        except httpx.HTTPError:
            assert time.monotonic() < deadline, "hub serve did not start"
            time.sleep(0.1)
    try:
        yield url, hub_dir
    finally:
        process.terminate()
        process.wait(10)


def test_serve_enroll_intake_sync_close_day_then_hub_counts_equal_report_day(tmp_path, hub_process):
    url, hub_dir = hub_process
    counter = make_data_dir(tmp_path)
    code = cli("hub", "enroll-code", "--office", "22333", "--data-dir", str(hub_dir)).stdout
    assert cli("enroll", "--hub", url, "--code", code.strip(), "--data-dir", str(counter))
    codes = []
    for i, channel in enumerate(["direct", "postal", "online", "direct", "postal"]):
        applicant = tmp_path / f"applicant{i}.json"
        applicant.write_text(json.dumps(APPLICANTS[i % 3], ensure_ascii=False), "utf-8")
        out = cli(
            "intake",
            "--procedure",
            ["1.001193", "2.000908", "1.000656"][i % 3],
            "--applicant-json",
            str(applicant),
            "--channel",
            channel,
            "--data-dir",
            str(counter),
        ).stdout
        codes.append(out.strip())
    cli("dossier", "move", codes[1], "--to", "processing", "--data-dir", str(counter))
    today = datetime.now(VN_TZ).date().isoformat()

    synced = cli("sync", "--close-day", today, "--json", "--data-dir", str(counter))

    report = json.loads(synced.stdout)
    assert report["ok"] and report["day_close"]["match"]
    assert report["wire"]["bytes_sent"] > 0
    counter_day = json.loads(
        cli("report", "day", "--date", today, "--json", "--data-dir", str(counter)).stdout
    )
    hub_day = json.loads(
        cli(
            "hub", "counts", "--office", "22333", "--date", today, "--json",
            "--data-dir", str(hub_dir),
        ).stdout
    )  # fmt: skip
    assert counter_day["received"] == len(codes)
    for field, value in counter_day.items():
        assert hub_day[field] == value, field

    refused = cli("sync", "--hub", "ftp://nowhere", "--data-dir", str(counter), check=False)
    assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1
    unreachable = cli(
        "sync", "--hub", f"http://127.0.0.1:{free_port()}", "--data-dir", str(counter), check=False
    )
    assert unreachable.returncode == 1 and "hub" in unreachable.stderr

    devices = json.loads(cli("hub", "devices", "--json", "--data-dir", str(hub_dir)).stdout)
    assert [(d["office"], d["revoked"]) for d in devices] == [("22333", False)]
    assert devices[0]["last_seen_at"] is not None
    cli("hub", "revoke-device", devices[0]["id"], "--data-dir", str(hub_dir))
    cli("intake", "--procedure", "1.001193", "--applicant-json", str(applicant),
        "--data-dir", str(counter))  # fmt: skip
    revoked = cli("sync", "--data-dir", str(counter), check=False)
    assert revoked.returncode == 1 and "thu hồi" in revoked.stderr
    missing = cli("hub", "revoke-device", "d-khong-co", "--data-dir", str(hub_dir), check=False)
    assert missing.returncode == 1 and len(missing.stderr.strip().splitlines()) == 1


def _slow_uploads(app):
    @app.middleware("http")
    async def _slow(request, call_next):
        if request.method == "PUT":
            await asyncio.sleep(0.05)
        return await call_next(request)

    return app


def test_sync_killed_mid_upload_then_rerun_loses_and_repeats_nothing(tmp_path):
    clock = MutableClock(datetime.now(VN_TZ) - timedelta(hours=1))
    counter = make_data_dir(tmp_path)
    config = load_config(counter)
    save_config(counter, replace(config, sync_chunk_bytes=16384, sync_batch_dossiers=1))
    with running_hub(tmp_path / "hub", wrap=_slow_uploads) as hub:
        ctx = open_context(counter, clock=clock)
        enroll(ctx, hub.url, hub.hub.create_enroll_code("22333"))
        codes = day_of_intake(ctx, clock.now, count=4)
        pages = {add_page(ctx, codes[i], random_bytes(120_000, i)): i for i in range(3)}
        ctx.close()

        first = subprocess.Popen(
            [sys.executable, "-m", "counter_app.cli", "sync", "--data-dir", str(counter)],
            stderr=subprocess.PIPE,
        )
        complete_before: dict[str, int] = {}
        deadline = time.monotonic() + 60
        while True:
            assert first.poll() is None, "the sync finished before it could be killed"
            assert time.monotonic() < deadline
            with hub.hub.session() as session:
                rows = session.execute(sa.select(HubPage)).scalars().all()
                complete = {r.sha256: r.chunks_accepted for r in rows if r.complete}
                partial = [r for r in rows if not r.complete and r.received_bytes > 0]
            if complete and partial:
                first.kill()
                first.wait(10)
                complete_before = complete
                break
            time.sleep(0.02)

        rerun = cli("sync", "--json", "--data-dir", str(counter))
        assert json.loads(rerun.stdout)["ok"]

        with hub.hub.session() as session:
            rows = {r.sha256: r for r in session.execute(sa.select(HubPage)).scalars()}
            hub_events = session.execute(sa.select(HubEvent.uuid)).scalars().all()
        assert set(rows) == set(pages)
        for sha, row in rows.items():
            assert row.complete and row.bytes_accepted == row.size_bytes == 120_000, sha
            assert row.chunks_refused == 0
            stored = hub.hub.blobs_dir / sha[:2] / sha
            assert stored.read_bytes() == random_bytes(120_000, pages[sha])
        for sha, chunks in complete_before.items():
            assert rows[sha].chunks_accepted == chunks  # a finished page is not sent again
        ctx = open_context(counter, clock=clock)
        with ctx.session() as session:
            counter_events = session.execute(sa.select(Event.uuid)).scalars().all()
            unsent = session.execute(
                sa.select(sa.func.count(OutboxItem.id)).where(OutboxItem.sent_at.is_(None))
            ).scalar_one()
        ctx.close()
        assert sorted(hub_events) == sorted(counter_events) and unsent == 0
