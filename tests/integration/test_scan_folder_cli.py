"""`counter-app scan --device folder`: real files dropped into a real folder while it waits."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pikepdf
from scan_support import new_dossier

from counter_app.kernel.context import AppContext
from counter_app.scanning.pages import list_pages
from counter_app.scanning.samples import text_page

CHUNK = 4096
WAIT3 = ("--pages", "3", "--wait", "30", "--json")


def cli(data_dir: Path, *args: str) -> list[str]:
    return [
        sys.executable,
        "-c",
        "from counter_app.cli import main; raise SystemExit(main())",
        *args,
        "--data-dir",
        str(data_dir),
    ]


def run_cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COUNTER_APP_LANG="vi")
    return subprocess.run(
        cli(data_dir, *args), capture_output=True, text=True, env=env, timeout=120, check=False
    )


def one_line_failure(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def png_page(seed: int) -> bytes:
    buffer = io.BytesIO()
    text_page(100, seed=seed).save(buffer, format="PNG", dpi=(100, 100))
    return buffer.getvalue()


def jpeg_page(seed: int) -> bytes:
    buffer = io.BytesIO()
    text_page(100, seed=seed).convert("L").save(buffer, format="JPEG", dpi=(100, 100))
    return buffer.getvalue()


def two_page_pdf() -> bytes:
    import img2pdf

    converted = img2pdf.convert([jpeg_page(7), jpeg_page(8)])
    assert isinstance(converted, bytes)
    return converted


def encrypted_pdf() -> bytes:
    buffer = io.BytesIO()
    with pikepdf.open(io.BytesIO(two_page_pdf())) as pdf:
        pdf.save(buffer, encryption=pikepdf.Encryption(owner="o", user="secret"))
    return buffer.getvalue()


def drop_slowly(path: Path, data: bytes) -> None:
    """Write as a network scanner does: in pieces, so the file is seen half-written."""
    with path.open("wb") as handle:
        for start in range(0, len(data), CHUNK):
            handle.write(data[start : start + CHUNK])
            handle.flush()
            time.sleep(0.02)


def scans(tmp_path: Path) -> Path:
    folder = tmp_path / "scans"
    folder.mkdir()
    return folder


def configure(data_dir: Path, folder: Path) -> None:
    done = run_cli(data_dir, "scanners", "--set-folder", str(folder))
    assert done.returncode == 0, done.stderr
    assert str(folder) in done.stdout


def test_files_arriving_while_the_command_waits(
    ctx: AppContext, data_dir: Path, tmp_path: Path
) -> None:
    code = new_dossier(ctx)
    folder = scans(tmp_path)
    configure(data_dir, folder)
    listed = json.loads(run_cli(data_dir, "scanners", "--json").stdout)
    assert "folder" in listed["backends"]
    assert f"folder:{folder}" in [device["name"] for device in listed["devices"]]

    (folder / "0001.png").write_bytes(png_page(1))  # already there when the command starts
    scan = subprocess.Popen(
        cli(data_dir, "scan", "--device", "folder", "--dossier", code, "--document", "2", *WAIT3),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, COUNTER_APP_LANG="vi"),
    )

    def scanner() -> None:
        truncated = jpeg_page(2)
        drop_slowly(folder / "0002.jpg", truncated[: len(truncated) // 2])
        drop_slowly(folder / "0003.pdf", two_page_pdf())

    dropping = threading.Thread(target=scanner)
    dropping.start()
    stdout, stderr = scan.communicate(timeout=120)
    dropping.join()
    assert scan.returncode == 0, stderr
    report = json.loads(stdout)
    assert len(report["pages"]) == 3

    pages = list_pages(ctx, code)
    assert [page.document for page in pages] == [2, 2, 2]
    assert [page.position for page in pages] == [1, 2, 3]
    assert [p.sha256 for p in pages] == [p["sha256"] for p in report["pages"]]
    assert sorted(p.name for p in (folder / "done").iterdir()) == ["0001.png", "0003.pdf"]
    assert [p.name for p in folder.iterdir() if p.is_file()] == []
    reason = (folder / "rejected" / "0002.jpg.txt").read_text("utf-8")
    assert "0002.jpg" in reason
    assert "0002.jpg" in stderr

    verified = run_cli(data_dir, "verify", "--json")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    result = json.loads(verified.stdout)
    assert result["pages"] == 3
    assert not result["problems"]
    shown = json.loads(run_cli(data_dir, "dossier", "show", code, "--json").stdout)
    assert shown["documents"][1]["digitised"] is True


def test_takes_what_is_there_without_a_page_count(
    ctx: AppContext, data_dir: Path, tmp_path: Path
) -> None:
    code = new_dossier(ctx)
    folder = scans(tmp_path)
    (folder / "a.png").write_bytes(png_page(3))
    (folder / "b.pdf").write_bytes(two_page_pdf())
    done = run_cli(data_dir, "scan", "--device", f"folder:{folder}", "--dossier", code)
    assert done.returncode == 0, done.stderr
    assert "3 trang" in done.stdout
    assert len(list_pages(ctx, code)) == 3


def test_a_bad_file_is_rejected_and_nothing_is_half_stored(
    ctx: AppContext, data_dir: Path, tmp_path: Path
) -> None:
    code = new_dossier(ctx)
    folder = scans(tmp_path)
    configure(data_dir, folder)
    (folder / "locked.pdf").write_bytes(encrypted_pdf())
    done = run_cli(data_dir, "scan", "--device", "folder", "--dossier", code, "--wait", "1")
    assert done.returncode == 1
    assert done.stdout == ""
    notice, reason = done.stderr.strip().splitlines()  # the refusal as it happens, then why
    assert "locked.pdf" in notice
    assert "1 tệp bị từ chối" in reason
    assert list_pages(ctx, code) == []
    empty = run_cli(data_dir, "scan", "--device", "folder", "--dossier", code, "--wait", "0.5")
    assert "Không có tệp nào" in one_line_failure(empty)
    assert (folder / "rejected" / "locked.pdf").exists()
    assert "mật khẩu" in (folder / "rejected" / "locked.pdf.txt").read_text("utf-8")
    assert run_cli(data_dir, "verify").returncode == 0


def test_missing_or_unconfigured_folder(ctx: AppContext, data_dir: Path, tmp_path: Path) -> None:
    code = new_dossier(ctx)
    line = one_line_failure(run_cli(data_dir, "scan", "--device", "folder", "--dossier", code))
    assert "Chưa cấu hình thư mục quét" in line
    missing = tmp_path / "nowhere"
    line = one_line_failure(run_cli(data_dir, "scanners", "--set-folder", str(missing)))
    assert "không tồn tại" in line
    line = one_line_failure(
        run_cli(data_dir, "scan", "--device", f"folder:{missing}", "--dossier", code)
    )
    assert "không tồn tại" in line
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    line = one_line_failure(run_cli(data_dir, "scanners", "--set-folder", str(a_file)))
    assert "không phải là thư mục" in line
    listed = json.loads(run_cli(data_dir, "scanners", "--json").stdout)
    assert "folder" not in listed["backends"]


def test_a_wrong_dossier_moves_no_file(ctx: AppContext, data_dir: Path, tmp_path: Path) -> None:
    code = new_dossier(ctx)
    folder = scans(tmp_path)
    (folder / "a.png").write_bytes(png_page(4))
    device = f"folder:{folder}"
    line = one_line_failure(run_cli(data_dir, "scan", "--device", device, "--dossier", "NOSUCH"))
    assert "NOSUCH" in line
    line = one_line_failure(
        run_cli(data_dir, "scan", "--device", device, "--dossier", code, "--document", "99")
    )
    assert "99" in line
    assert (folder / "a.png").exists()
    assert not (folder / "done").exists()
    configure(data_dir, folder)
    forgotten = run_cli(data_dir, "scanners", "--set-folder", "")
    assert forgotten.returncode == 0, forgotten.stderr
    assert "folder" not in json.loads(run_cli(data_dir, "scanners", "--json").stdout)["backends"]
