"""A demo that did not finish is redone by `demo --if-empty`, never kept as if whole."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from counter_app.demo import generator
from counter_app.demo.generator import DemoOptions, generate_demo
from counter_app.demo.unfinished import MARKER_FILE
from counter_app.domain.lifecycle import Role
from counter_app.errors import ValidationError
from counter_app.kernel.context import AppContext, open_context
from counter_app.kernel.users import add_user
from counter_app.store.models import Dossier

KILL_DURING_DEMO = """
import os, sys
from pathlib import Path
from counter_app.demo import generator
from counter_app.kernel.context import open_context

def killed(*args, **kwargs):
    os._exit(9)  # as if the power went after the dossiers, before the guidance sessions

generator._guidance_sessions = killed
with open_context(Path(sys.argv[1]), create=True) as ctx:
    generator.generate_demo(ctx, generator.DemoOptions(days=2))
"""


def codes(ctx: AppContext) -> list[str]:
    with ctx.session() as session:
        return list(session.execute(sa.select(Dossier.code).order_by(Dossier.code)).scalars())


def test_a_killed_demo_is_redone_by_if_empty(tmp_path: Path) -> None:
    half = tmp_path / "half"
    killed = subprocess.run(
        [sys.executable, "-c", KILL_DURING_DEMO, str(half)],
        capture_output=True,
        timeout=300,
        env=os.environ.copy(),
    )
    assert killed.returncode == 9, killed.stderr
    assert (half / MARKER_FILE).exists()
    with open_context(half) as ctx:
        assert codes(ctx)  # half a demo: dossiers but no guidance sessions

        summary = generate_demo(ctx, DemoOptions(days=2), if_empty=True)
        assert summary["created"] > 0 and "existing" not in summary
        assert not (half / MARKER_FILE).exists()
        assert summary["guidance_sessions"] > 0
        redone = codes(ctx)
        # Whole now: kept from here on.
        assert generate_demo(ctx, DemoOptions(days=2), if_empty=True)["created"] == 0
    with open_context(tmp_path / "whole", create=True) as fresh:
        generate_demo(fresh, DemoOptions(days=2))
        assert codes(fresh) == redone


def test_a_demo_stopped_by_an_error_is_redone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(*_args: object, **_kwargs: object) -> int:
        raise OSError(28, "No space left on device")

    with open_context(tmp_path / "d", create=True) as ctx:
        with monkeypatch.context() as patch:
            patch.setattr(generator, "_awaiting_receipt", disk_full)
            with pytest.raises(OSError):
                generate_demo(ctx, DemoOptions(days=2))
        assert codes(ctx) and (ctx.data_dir / MARKER_FILE).exists()
        assert generate_demo(ctx, DemoOptions(days=2))["created"] > 0
        assert not (ctx.data_dir / MARKER_FILE).exists()


def test_an_unfinished_demo_over_earlier_data_is_not_thrown_away(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_context(tmp_path / "d", create=True) as ctx:
        add_user(ctx, "quantri", "mat-khau-rieng", Role.ADMIN, "Quản trị thật")
        with monkeypatch.context() as patch:
            patch.setattr(generator, "_awaiting_receipt", lambda *_a, **_k: 1 / 0)
            with pytest.raises(ZeroDivisionError):
                generate_demo(ctx, DemoOptions(days=2))
        kept = codes(ctx)
        with pytest.raises(ValidationError) as caught:
            generate_demo(ctx, DemoOptions(days=2), if_empty=True)
        assert "\n" not in caught.value.message
        assert codes(ctx) == kept
