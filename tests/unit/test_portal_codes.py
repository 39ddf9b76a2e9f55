"""The national codes in the catalog (field, component and result codes), `catalog check`,
and the result delivery chosen at intake: stored, printed on the receipt, sent as HinhThuc.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from counter_app.cli.main import main
from counter_app.documents.forms import FormKind, render_form
from counter_app.domain.applicants import Person
from counter_app.domain.catalog import catalog_to_json, load_catalog, missing_codes
from counter_app.domain.lifecycle import Channel, Delivery
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.errors import ValidationError
from counter_app.kernel.catalog import CODES_SUFFIX, import_catalog
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.resources import resource_path
from counter_app.sync.outbox import build_pending, pending_dossier_ids
from tests.unit.test_forms import pdf_text

PERSON = Person(name="Nguyễn Văn An", id_number="056090012345")


def test_the_bundled_catalog_carries_the_national_codes() -> None:
    catalog = load_catalog()
    birth = catalog.get("1.001193")
    assert birth.field_code == "G15-TP07" and birth.result_codes == ("KQ.G15.000031",)
    certificate = next(d for d in birth.documents if d.name.startswith("Giấy chứng sinh"))
    assert certificate.code == "000.00.00.G15-KQ004389"
    assert sum(1 for p in catalog.procedures if p.field_code) == 56
    missing = {item.code: item for item in missing_codes(catalog)}
    assert missing["2.002481"].field_code and missing["2.002481"].result_code
    assert "1.001193" not in missing


def test_codes_are_imported_into_a_new_version_and_checked(ctx, tmp_path, capsys) -> None:
    bare = load_catalog()
    stripped = replace(
        bare,
        version="2026.12.01",
        procedures=tuple(
            replace(
                p,
                field_code="",
                result_codes=(),
                documents=tuple(replace(d, code="") for d in p.documents),
            )
            for p in bare.procedures
        ),
    )
    (tmp_path / "bare.json").write_text(json.dumps(catalog_to_json(stripped)), encoding="utf-8")
    with ctx.session() as session:
        import_catalog(session, tmp_path / "bare.json", SYSTEM_ACTOR, ctx.clock())
    assert len(missing_codes(ctx.reload_catalog())) == len(bare.procedures)

    codes = resource_path("catalog", "procedure-codes.json")
    assert main(["--data-dir", str(ctx.data_dir), "catalog", "import", str(codes)]) == 0
    catalog = ctx.reload_catalog()
    assert catalog.version.startswith(f"2026.12.01{CODES_SUFFIX}")
    assert catalog.get("1.001193").field_code == "G15-TP07"
    capsys.readouterr()
    assert main(["--data-dir", str(ctx.data_dir), "catalog", "check", "--json"]) == 0
    listed = {item["code"] for item in json.loads(capsys.readouterr().out)}
    assert listed == {item.code for item in missing_codes(catalog)} and "2.002481" in listed
    with ctx.session() as session, pytest.raises(ValidationError):
        import_catalog(session, codes, SYSTEM_ACTOR, ctx.clock())  # the same codes again


@pytest.mark.parametrize(
    ("channel", "chosen", "stored", "hinh_thuc", "printed"),
    [
        (Channel.DIRECT, None, Delivery.COUNTER, "0", "Bộ phận Một cửa"),
        (Channel.POSTAL, None, Delivery.POST, "1", "bưu chính công ích"),
        (Channel.DIRECT, Delivery.POST, Delivery.POST, "1", "bưu chính công ích"),
        (Channel.DIRECT, Delivery.ONLINE, Delivery.ONLINE, "0", "Cổng Dịch vụ công"),
    ],
)
def test_the_result_delivery_is_stored_printed_and_sent(
    ctx, clock, tmp_path, channel, chosen, stored, hinh_thuc, printed
) -> None:
    request = IntakeRequest("1.000894", PERSON, channel, result_delivery=chosen)
    view = intake(ctx, request, SYSTEM_ACTOR)
    assert view.result_delivery == stored.value
    assert view.to_json()["result_delivery"] == stored.value
    text = " ".join(pdf_text(render_form(ctx, FormKind.RECEIPT, view.code).pdf, tmp_path).split())
    assert printed in text
    with ctx.session() as session:
        (dossier_id,) = pending_dossier_ids(session, clock(), force=True)
        record = build_pending(session, dossier_id, {"person": 1}).payload["record"]
    assert record["HinhThuc"] == hinh_thuc


def test_a_bad_delivery_is_refused_in_one_line(ctx, capsys, tmp_path) -> None:
    applicant = tmp_path / "a.json"
    applicant.write_text(
        json.dumps({"kind": "person", "name": "Nguyễn Văn An", "id_number": "056090012345"}),
        encoding="utf-8",
    )
    argv = ["--data-dir", str(ctx.data_dir), "intake", "--procedure", "1.000894"]
    argv += ["--applicant-json", str(applicant), "--result-delivery", "fax"]
    assert main(argv) == 1
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "fax" in error
    with pytest.raises(ValidationError):
        Delivery.parse("fax")
