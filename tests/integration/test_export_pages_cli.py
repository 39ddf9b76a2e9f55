"""`counter-app export-pages CODE --pdf FILE`: a dossier's pages as one PDF, read back."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from scan_support import new_dossier

from counter_app.cli import main
from counter_app.kernel.context import AppContext
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.scanning.pages import attach_pages, clean_imported, list_pages
from counter_app.scanning.samples import text_page


def add_pages(ctx: AppContext, code: str, count: int, *, document: int = 1) -> None:
    pages = [clean_imported(text_page(100, seed=seed)) for seed in range(count)]
    attach_pages(ctx, code, pages, SYSTEM_ACTOR, document=document)


def run(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> tuple[int, str, str]:
    code = main([*args, "--data-dir", str(data_dir)])
    out, err = capsys.readouterr()
    return code, out, err


def test_every_page_goes_into_one_pdf(
    ctx: AppContext, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = new_dossier(ctx)
    add_pages(ctx, code, 3, document=1)
    add_pages(ctx, code, 2, document=2)
    target = tmp_path / "hồ sơ.pdf"
    status, out, _err = run(capsys, data_dir, "export-pages", code, "--pdf", str(target))
    assert status == 0
    assert code in out and "5" in out
    reader = PdfReader(io.BytesIO(target.read_bytes()))
    assert len(reader.pages) == len(list_pages(ctx, code)) == 5

    status, out, _err = run(
        capsys, data_dir, "export-pages", code, "--pdf", str(tmp_path / "b.pdf"), "--json"
    )
    assert status == 0
    assert '"pages": 5' in out


@pytest.mark.parametrize("case", ["unknown code", "no pages", "bad target"])
def test_bad_input_is_one_line(
    ctx: AppContext,
    data_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    case: str,
) -> None:
    code = new_dossier(ctx)
    target = tmp_path / "out.pdf"
    if case == "unknown code":
        code = code[:-4] + "9999"
    elif case == "bad target":
        add_pages(ctx, code, 1)
        target = tmp_path / "missing-dir" / "out.pdf"
    status, out, err = run(capsys, data_dir, "export-pages", code, "--pdf", str(target))
    assert status == 1
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    assert not target.exists()
    assert not list(tmp_path.glob("*.partial"))


def test_export_reports_progress_and_a_cancel_writes_nothing(
    ctx: AppContext, tmp_path: Path
) -> None:
    from counter_app.errors import ValidationError
    from counter_app.scanning.devices import CancelToken
    from counter_app.scanning.pages import export_pdf

    code = new_dossier(ctx)
    add_pages(ctx, code, 3)
    seen: list[tuple[int, int | None]] = []
    assert export_pdf(ctx, code, tmp_path / "a.pdf", progress=lambda d, t: seen.append((d, t))) == 3
    assert seen == [(1, 3), (2, 3), (3, 3)]
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(ValidationError):
        export_pdf(ctx, code, tmp_path / "b.pdf", cancel=cancel)
    assert not (tmp_path / "b.pdf").exists()
