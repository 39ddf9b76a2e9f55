"""The dashboard in a real browser: Debian's chromium driven by selenium through
chromium-driver, against the hub served on loopback. One browser and one hub for the module.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from counter_app.hub import staff
from counter_app.hub.app import create_app, serving
from tests.conftest import MutableClock
from tests.hub_browser import chromium, chromium_paths, sign_in, sign_out
from tests.hub_dashboard_support import DIFFERING, NOW, BuiltHub, open_built

pytestmark = pytest.mark.skipif(
    chromium_paths() is None,
    reason="chromium and chromium-driver are not installed (apt-get install chromium "
    "chromium-driver); CI installs them",
)

VIEWER = ("xem.tinh", "mat-khau-nguoi-xem")
ADMIN = ("quantri.tinh", "mat-khau-quan-tri")


@pytest.fixture(scope="module")
def site(dashboard_hub: BuiltHub, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    hub = open_built(dashboard_hub.copy(tmp_path_factory.mktemp("browser-hub")), MutableClock(NOW))
    with hub.session() as session:
        for account, role in ((VIEWER, "viewer"), (ADMIN, "admin")):
            if account[0] not in {s.login for s in staff.list_staff(session)}:
                staff.add_staff(session, *account, role, NOW)
    with serving(create_app(hub)) as base:
        yield base
    hub.engine.dispose()


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads: Path) -> Iterator[Any]:
    with chromium(downloads) as driver:
        yield driver


@pytest.fixture
def signed_out(browser: Any, site: str) -> Any:
    browser.delete_all_cookies()
    browser.get(f"{site}/dashboard/signin")
    browser.delete_all_cookies()
    return browser


def _text(driver: Any) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.TAG_NAME, "body").text)


def test_anonymous_is_sent_to_sign_in(signed_out: Any, site: str) -> None:
    signed_out.get(f"{site}/dashboard/")
    assert "/dashboard/signin" in signed_out.current_url
    assert "Đăng nhập" in _text(signed_out)


def test_sign_in_then_drill_down_to_a_commune(signed_out: Any, site: str) -> None:
    from selenium.webdriver.common.by import By

    driver = signed_out
    sign_in(driver, site, *VIEWER)
    assert driver.current_url.endswith("/dashboard/")
    body = _text(driver)
    assert "Phường Nha Trang" in body and "Chênh lệch" in body and "Chưa chốt" in body
    rows = driver.find_elements(By.CSS_SELECTOR, "#overview tbody tr")
    assert len(rows) == 3
    assert "Phường Nha Trang" in rows[0].text  # the difference comes first
    # the session cookie is out of the page's reach (HttpOnly)
    assert "hub_session" not in driver.execute_script("return document.cookie")
    rows[0].find_element(By.TAG_NAME, "a").click()
    assert driver.current_url.endswith(f"/dashboard/communes/{DIFFERING}")
    page = _text(driver)
    assert "Lịch sử chốt ngày" in page and "Lịch sử khác nhau" in page
    assert "Theo thủ tục" in page and "Thủ tục đăng ký khai sinh" in page
    for personal in ("Nguyễn Văn An", "056090012345", "Võ Thị Hoa"):
        assert personal not in page
    sign_out(driver)
    assert "/dashboard/signin" in driver.current_url


def test_a_viewer_gets_a_vietnamese_403(signed_out: Any, site: str) -> None:
    driver = signed_out
    sign_in(driver, site, *VIEWER)
    driver.get(f"{site}/dashboard/devices")
    assert "Không có quyền truy cập" in _text(driver)
    assert "chỉ dành cho quản trị viên" in _text(driver)
    assert driver.find_element("css selector", "html").get_attribute("lang") == "vi"


def test_the_province_report_downloads(signed_out: Any, site: str, downloads: Path) -> None:
    from openpyxl import load_workbook
    from selenium.webdriver.common.by import By

    driver = signed_out
    sign_in(driver, site, *ADMIN)
    driver.get(f"{site}/dashboard/reports")
    driver.find_element(By.ID, "download-xlsx").click()
    deadline = time.monotonic() + 20
    found: list[Path] = []
    while time.monotonic() < deadline:
        found = [p for p in downloads.glob("bieu-06-tinh-*.xlsx")]
        if found and not list(downloads.glob("*.crdownload")):
            break
        time.sleep(0.1)
    assert found, list(downloads.iterdir())
    sheet = load_workbook(found[0]).active
    assert sheet is not None and sheet["A1"].value == "Biểu số 06/VPCP/KSTT"
