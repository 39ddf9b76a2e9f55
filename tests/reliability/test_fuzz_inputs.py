"""Property-based fuzzing of what comes from outside: the CCCD QR text, applicant files,
catalog imports, the holiday table, and backup zips handed to `restore`.

Each input either succeeds or fails with the program's own error (`CounterError`, one
line), never with another exception, and a refused input writes nothing: no catalog
version, no holiday change, no restored folder, no working folder left, no file outside
the restore's target. Examples per target: `FUZZ_EXAMPLES` (budget.py), small in CI and
large with `--reliability-long`; the counts go to `reliability-fuzz.json` in pytest's
base temp folder.
"""

from __future__ import annotations

import io
import json
import shutil
import warnings
import zipfile
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from counter_app.calendar.holidays import add_holiday, parse_day, parse_kind
from counter_app.domain.applicants import applicant_from_json, parse_cccd_qr
from counter_app.domain.calendar import VN_TZ, load_overrides
from counter_app.domain.catalog import catalog_to_json, load_catalog
from counter_app.errors import CounterError
from counter_app.files import read_json_input
from counter_app.kernel.catalog import import_catalog
from counter_app.kernel.context import AppContext, open_context
from counter_app.kernel.users import SYSTEM_ACTOR
from counter_app.maintenance.service import backup, restore
from counter_app.store.holidays import CalendarDayChange
from counter_app.store.models import CatalogVersion
from tests.conftest import MutableClock, make_data_dir
from tests.reliability import kill_worker
from tests.reliability.budget import FUZZ_EXAMPLES, pick

pytestmark = pytest.mark.slow

TRIED: Counter[str] = Counter()
FUZZ = settings(
    max_examples=pick(FUZZ_EXAMPLES),
    deadline=None,
    derandomize=False,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


def one_line(error: CounterError) -> None:
    assert error.message and "\n" not in error.message, repr(error.message)


@pytest.fixture(scope="module", autouse=True)
def figures(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    yield
    path = tmp_path_factory.getbasetemp() / "reliability-fuzz.json"
    path.write_text(json.dumps(dict(TRIED), indent=1))
    print(f"\nfuzz: {json.dumps(dict(TRIED))}")


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppContext]:
    """One data directory for the targets that write: each example checks its own rows."""
    root = tmp_path_factory.mktemp("fuzz-office")
    clock = MutableClock(datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ))
    ctx = open_context(make_data_dir(root), clock=clock)
    ctx.reload_catalog()
    yield ctx
    ctx.close()


# --- CCCD QR ------------------------------------------------------------------------------

GOOD_QR = "056090012345|205123456|Nguyễn Văn An|01011990|Nam|12 Lê Lợi, Nha Trang|15062021"
QR_FIELD = st.one_of(
    st.text(max_size=30),
    st.from_regex(r"\A[0-9]{0,14}\Z"),
    st.sampled_from(["Nam", "Nữ", "nam", "", "31022024", "29022000", "00000000", "99999999"]),
)


@FUZZ
@given(
    st.one_of(
        st.text(max_size=300),
        st.lists(QR_FIELD, min_size=5, max_size=9).map("|".join),
        st.tuples(st.integers(0, len(GOOD_QR)), st.text(max_size=5)).map(
            lambda cut: GOOD_QR[: cut[0]] + cut[1] + GOOD_QR[cut[0] :]
        ),
    )
)
@example(GOOD_QR)
def test_fuzz_cccd_qr(text: str) -> None:
    TRIED["cccd_qr"] += 1
    try:
        card = parse_cccd_qr(text)
    except CounterError as error:
        one_line(error)
        return
    assert len(card.id_number) == 12 and card.name


# --- applicant files ------------------------------------------------------------------------

JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
APPLICANT_KEYS = st.sampled_from(
    ["kind", "name", "id_number", "tax_code", "birth_date", "gender", "address", "phone",
     "email", "old_id", "cccd_qr"]
)  # fmt: skip
APPLICANT_VALUES = st.one_of(
    JSON_VALUE,
    st.sampled_from(
        ["person", "organisation", "Nguyễn Văn An", "056090012345", "4201234567",
         "1990-01-01", "Nam", "0905123456", "an@example.vn", GOOD_QR, "2990-13-45"]
    ),
)  # fmt: skip


@FUZZ
@given(
    st.one_of(
        st.dictionaries(APPLICANT_KEYS, APPLICANT_VALUES, max_size=9).map(
            lambda d: json.dumps(d, ensure_ascii=False).encode()
        ),
        JSON_VALUE.map(lambda v: json.dumps(v).encode()),
        st.binary(max_size=200),
    )
)
def test_fuzz_applicant_file(tmp_path: Path, raw: bytes) -> None:
    TRIED["applicant_file"] += 1
    path = tmp_path / "applicant.json"
    path.write_bytes(raw)
    try:
        applicant = applicant_from_json(
            read_json_input(path, max_bytes=64 * 1024, what="người nộp")
        )
    except CounterError as error:
        one_line(error)
        return
    assert applicant.name


# --- catalog import -------------------------------------------------------------------------

GOOD_CATALOG = catalog_to_json(load_catalog())


def mutate(document: Any, path: list[Any], value: Any) -> Any:
    """`document` with the value at `path` (indices taken modulo the length) replaced."""
    if not path or not isinstance(document, (dict, list)) or not document:
        return value
    copy = json.loads(json.dumps(document))
    if isinstance(copy, dict):
        key = sorted(copy)[path[0] % len(copy)]
        copy[key] = mutate(copy[key], path[1:], value)
    else:
        index = path[0] % len(copy)
        copy[index] = mutate(copy[index], path[1:], value)
    return copy


@FUZZ
@given(
    st.lists(st.integers(0, 10_000), min_size=1, max_size=5),
    JSON_VALUE,
    st.booleans(),
)
def test_fuzz_catalog_import(office: AppContext, tmp_path: Path, path, value, drop) -> None:
    TRIED["catalog_import"] += 1
    document = mutate(GOOD_CATALOG, path, value)
    if drop and isinstance(document, dict):
        document.pop(sorted(document)[path[0] % len(document)], None)
    if isinstance(document, dict):
        document["catalog_version"] = f"fuzz.{TRIED['catalog_import']}"
    file = tmp_path / "catalog.json"
    file.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

    def versions() -> int:
        with office.session() as session:
            return int(session.execute(sa.select(sa.func.count(CatalogVersion.id))).scalar_one())

    before = versions()
    try:
        with office.session() as session:
            import_catalog(session, file, SYSTEM_ACTOR, office.clock())
    except CounterError as error:
        one_line(error)
        assert versions() == before  # refused: no version written
        return
    assert versions() == before + 1


# --- the holiday table ----------------------------------------------------------------------

ENTRY = st.fixed_dictionaries(
    {},
    optional={
        "date": st.one_of(st.dates().map(date.isoformat), st.text(max_size=12), JSON_VALUE),
        "name": st.one_of(st.text(max_size=30), JSON_VALUE),
        "proposed": st.one_of(st.booleans(), JSON_VALUE),
        "source": st.text(max_size=10),
    },
)
YEAR = st.fixed_dictionaries(
    {},
    optional={"days_off": st.lists(ENTRY, max_size=4), "working_days": st.lists(ENTRY, max_size=3)},
)
OVERRIDES = st.fixed_dictionaries(
    {
        "format": st.one_of(st.just(1), JSON_VALUE),
        "years": st.one_of(
            st.dictionaries(st.one_of(st.from_regex(r"\A20[0-9]{2}\Z"), st.text(max_size=5)), YEAR),
            JSON_VALUE,
        ),
    }
)


@FUZZ
@given(st.one_of(OVERRIDES.map(json.dumps), st.text(max_size=100)))
def test_fuzz_holiday_table_file(tmp_path: Path, text: str) -> None:
    TRIED["holiday_table_file"] += 1
    path = tmp_path / "overrides.json"
    path.write_text(text, encoding="utf-8")
    try:
        overrides = load_overrides(path, include_proposed=True)
    except CounterError as error:
        one_line(error)
        return
    assert not overrides.days_off & overrides.working_days


@FUZZ
@given(
    st.one_of(
        st.dates(date(1990, 1, 1), date(2110, 1, 1)).map(date.isoformat), st.text(max_size=12)
    ),
    st.one_of(st.sampled_from(["day_off", "working_day", " Day_Off "]), st.text(max_size=12)),
    st.text(max_size=120),
    st.booleans(),
)
def test_fuzz_holiday_entry(office: AppContext, day: str, kind: str, name: str, force) -> None:
    TRIED["holiday_entry"] += 1

    def changes() -> int:
        with office.session() as session:
            return int(session.execute(sa.select(sa.func.count(CalendarDayChange.id))).scalar_one())

    before = changes()
    try:
        add_holiday(office, parse_day(day), parse_kind(kind), name, SYSTEM_ACTOR, force=force)
    except CounterError as error:
        one_line(error)
        assert changes() == before
        return
    assert changes() == before + 1


# --- restore zips ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_backup(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real backup of a small office: the base that the zips below are cut from."""
    root = tmp_path_factory.mktemp("fuzz-backup")
    clock = MutableClock(datetime(2026, 3, 2, 9, 0, tzinfo=VN_TZ))
    import random

    with open_context(make_data_dir(root), clock=clock) as ctx:
        rng = random.Random(1)
        for _ in range(3):
            kill_worker.one_intake(ctx, rng)
        backup(ctx, root / "backup.zip")
    return root / "backup.zip"


MEMBER_NAMES = st.sampled_from(
    ["backup.json", "counter.sqlite3", "config.json", "pages/ab/abcd", "pages/", "keys/x",
     "../escape.txt", "../../etc/evil", "/abs/path", "C:/win.txt", "pages\\..\\..\\slip",
     "pages/../../slip", "./backup.json", "a:b", "pages/ab/" + "e" * 64]
) | st.text(min_size=1, max_size=20)  # fmt: skip


RECIPES = st.one_of(
    st.tuples(
        st.just("flip"),
        st.lists(st.tuples(st.integers(0), st.integers(0, 255)), min_size=1, max_size=8),
    ),
    st.tuples(st.just("truncate"), st.integers(0)),
    st.tuples(
        st.sampled_from(["members", "from_backup", "huge"]),
        st.lists(st.tuples(st.booleans(), MEMBER_NAMES), min_size=6, max_size=6),
        st.sampled_from([1, 8, 64]),
        st.sampled_from(["counter.sqlite3", "pages/ab/" + "0" * 64, "big.bin"]),
        st.one_of(st.just({"format": 1}), JSON_VALUE),
        st.lists(
            st.tuples(
                MEMBER_NAMES,
                st.one_of(st.binary(max_size=64), st.sampled_from(["manifest", "sqlite"])),
            ),
            max_size=4,
        ),
    ),
)
"""How to cut a hostile zip from a real backup: bytes changed, cut short, members renamed,
dropped or added (unsafe paths among them), or one member far larger than it compresses."""


def build_zip(recipe: tuple[Any, ...], base: bytes) -> bytes:
    shape = recipe[0]
    if shape == "flip":
        data = bytearray(base)
        for where, value in recipe[1]:
            data[where % len(data)] = value
        return bytes(data)
    if shape == "truncate":
        return base[: recipe[1] % len(base)]
    _shape, keep, megabytes, huge_name, manifest, extra = recipe
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are part of the hostility
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            if shape == "from_backup":
                with zipfile.ZipFile(io.BytesIO(base)) as real:
                    for info, (rename, name) in zip(real.infolist(), keep, strict=False):
                        archive.writestr(name if rename else info.filename, real.read(info))
            elif shape == "huge":
                archive.writestr("backup.json", json.dumps({"format": 1}))
                archive.writestr(huge_name, bytes(megabytes * 1024 * 1024))
            for name, content in extra:
                if content == "manifest":
                    content = json.dumps(manifest).encode()
                elif content == "sqlite":
                    content = b"SQLite format 3\0" + bytes(100)
                archive.writestr(name, content)
    return out.getvalue()


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def restore_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-restore")


@FUZZ
@given(RECIPES)
def test_fuzz_restore_zip(real_backup: Path, restore_root: Path, recipe) -> None:
    TRIED["restore_zip"] += 1
    archive = build_zip(recipe, real_backup.read_bytes())
    source = restore_root / "source" / "backup.zip"
    source.parent.mkdir(exist_ok=True)
    source.write_bytes(archive)
    places = restore_root / "places"
    places.mkdir(exist_ok=True)
    before = files_under(restore_root)
    target = places / "data"
    try:
        result = restore(source, target)
    except CounterError as error:
        one_line(error)
        assert files_under(restore_root) == before  # nothing left: no folder, no scratch
        return
    assert result.data_dir == target
    with open_context(target):  # a whole data directory
        pass
    added = files_under(restore_root) - before
    assert all(name.startswith("places/data") for name in added), added  # no zip-slip
    shutil.rmtree(target)
