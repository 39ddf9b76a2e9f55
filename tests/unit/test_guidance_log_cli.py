"""`guidance log`, `guidance report` and the guided figure of `online` on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from counter_app.cli import main


def run(capsys, data_dir: Path, *argv: str) -> tuple[int, str, str]:
    try:
        code = main([*argv, "--data-dir", str(data_dir)])
    except SystemExit as exit_:  # argparse's own refusals
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def log(capsys, data_dir: Path, *argv: str) -> tuple[int, str, str]:
    return run(capsys, data_dir, "guidance", "log", *argv)


def test_log_then_report_in_json_and_text(capsys, data_dir: Path) -> None:
    code, out, err = log(capsys, data_dir, "--procedure", "1.004222", "--outcome", "at_home")
    assert (code, err) == (0, "") and "1.004222" in out
    code, out, _err = log(
        capsys,
        data_dir,
        "--procedure",
        "1.001193",
        "--outcome",
        "could_not",
        "--reason",
        "portal_down",
        "--json",
    )
    record = json.loads(out)
    assert (record["procedure"], record["outcome"], record["reason"]) == (
        "1.001193",
        "could_not",
        "portal_down",
    )
    code, out, err = run(capsys, data_dir, "guidance", "report", "--json")
    assert (code, err) == (0, "")
    report = json.loads(out)
    assert report["guided"] == 2
    assert report["by_outcome"] == {"assisted": 0, "at_home": 1, "could_not": 1}
    assert report["by_procedure"] == {"1.001193": {"could_not": 1}, "1.004222": {"at_home": 1}}
    assert report["could_not_reasons"]["portal_down"] == 1
    assert report["received"] == 0 and report["online_share"] is None

    code, out, err = run(capsys, data_dir, "guidance", "report")
    assert code == 0 and "2" in out.splitlines()[0]
    code, out, err = run(capsys, data_dir, "online", "--json")
    assert json.loads(out)["guided_month"]["guided"] == 2


def test_an_assisted_dossier_can_be_linked(capsys, data_dir: Path, tmp_path: Path) -> None:
    applicant = tmp_path / "an.json"
    applicant.write_text(
        json.dumps({"kind": "person", "name": "Nguyễn Văn An", "id_number": "056090012345"}),
        encoding="utf-8",
    )
    code, out, err = run(
        capsys,
        data_dir,
        "intake",
        "--procedure",
        "1.001193",
        "--applicant-json",
        str(applicant),
        "--channel",
        "assisted",
        "--portal-code",
        "G22.9",
        "--json",
    )
    assert (code, err) == (0, ""), err
    dossier = json.loads(out)["code"]
    args = ("--procedure", "1.001193", "--outcome", "assisted", "--dossier", dossier, "--json")
    code, out, err = log(capsys, data_dir, *args)
    assert code == 0 and json.loads(out)["dossier"] == dossier
    code, out, err = log(capsys, data_dir, *args)
    assert code == 1 and dossier in err and err.count("\n") == 1
    code, out, _err = run(capsys, data_dir, "guidance", "report", "--json")
    report = json.loads(out)
    assert report["linked_dossiers"] == 1 and report["received_online"] == 1


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (("--procedure", "9.999999", "--outcome", "at_home"), "9.999999"),
        (("--procedure", "1.004222", "--outcome", "perhaps"), "perhaps"),
        (("--procedure", "1.004222", "--outcome", "could_not"), "lý do"),
        (("--procedure", "1.004222", "--outcome", "could_not", "--reason", "bored"), "no_vneid"),
        (("--procedure", "1.004222", "--outcome", "at_home", "--dossier", "X"), "mã hồ sơ"),
        (("--procedure", "2.000815", "--outcome", "at_home"), "2.000815"),
        (("--outcome", "at_home"), "--procedure"),
    ],
)
def test_bad_input_fails_in_one_line(capsys, data_dir: Path, argv, words) -> None:
    code, out, err = log(capsys, data_dir, *argv)
    assert code != 0 and out == ""
    assert err.count("\n") == 1 and (words in err or words.lower() in err.lower()), err
    code, out, _err = run(capsys, data_dir, "guidance", "report", "--json")
    assert json.loads(out)["guided"] == 0


def test_report_refuses_a_reversed_period(capsys, data_dir: Path) -> None:
    argv = ("guidance", "report", "--from", "2026-03-10", "--to", "2026-03-01")
    code, out, err = run(capsys, data_dir, *argv)
    assert code == 1 and out == "" and err.count("\n") == 1
    code, out, err = run(capsys, data_dir, "guidance", "report", "--from", "2026-13-01")
    assert code != 0 and err.count("\n") == 1
