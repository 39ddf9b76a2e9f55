"""Debian's chromium driven by selenium (chromium-driver), for the dashboard's browser
tests and its screenshots.

    python -m tests.hub_browser docs/screenshots

fills a hub through the real sync path (tests/hub_dashboard_support.py), serves it on
loopback and saves each dashboard page at 1366×768 as `hub-*.png` in the folder given.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

WIDTH, HEIGHT = 1366, 768
CHROMIUM = ("chromium", "chromium-browser")
DRIVER = "chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--lang=vi",
)


def chromium_paths() -> tuple[str, str] | None:
    """(browser, driver) when both are installed, else None."""
    browser = next((found for name in CHROMIUM if (found := shutil.which(name))), None)
    driver = shutil.which(DRIVER)
    return (browser, driver) if browser and driver else None


@contextmanager
def chromium(downloads: Path) -> Iterator[Any]:
    """A headless chromium with a fresh profile, its window 1366×768, downloads to
    `downloads` without asking."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    paths = chromium_paths()
    if paths is None:
        raise RuntimeError("chromium and chromedriver are not installed")
    browser, driver_path = paths
    profile = Path(tempfile.mkdtemp(prefix="chromium-profile-"))
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={WIDTH},{HEIGHT}")
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "intl.accept_languages": "vi",
        },
    )
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    try:
        # the page itself 1366×768 (a headless window's size includes no browser frame,
        # but chromium keeps some of it for one): the viewport is set exactly
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
        )
        # headless chromium: allow downloads into the folder
        driver.execute_cdp_cmd(
            "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
        )
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def sign_in(driver: Any, base: str, login: str, password: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{base}/dashboard/signin")
    driver.find_element(By.ID, "login").send_keys(login)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "signin").click()


def sign_out(driver: Any) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, "form[action$='/signout'] button").click()


def make_screenshots(out: Path) -> list[Path]:
    """Every dashboard page of a filled hub, at 1366×768, into `out`."""
    from counter_app.hub import staff
    from counter_app.hub.app import create_app, serving
    from tests.conftest import MutableClock
    from tests.hub_dashboard_support import DIFFERING, NOW, build_hub, open_built

    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="hub-screens-"))
    saved: list[Path] = []
    try:
        built = build_hub(work)
        hub = open_built(built, MutableClock(NOW))
        with hub.session() as session:
            staff.add_staff(session, "quantri.tinh", "mat-khau-quan-tri", "admin", NOW)
            staff.add_staff(session, "xem.tinh", "mat-khau-nguoi-xem", "viewer", NOW)
        with serving(create_app(hub)) as base, chromium(work / "downloads") as driver:

            def shot(name: str) -> None:
                path = out / f"hub-{name}.png"
                driver.save_screenshot(str(path))
                saved.append(path)

            driver.get(f"{base}/dashboard/signin")
            shot("01-dang-nhap")
            sign_in(driver, base, "quantri.tinh", "mat-khau-quan-tri")
            shot("02-tong-quan")
            month = NOW.date().replace(day=1)
            driver.get(f"{base}/dashboard/communes/{DIFFERING}?from={month}&to={NOW.date()}")
            shot("03-xa-phuong")
            driver.execute_script("window.scrollTo(0, document.body.scrollHeight)")
            shot("04-xa-phuong-chot-ngay")
            driver.get(f"{base}/dashboard/reports")
            shot("05-bao-cao")
            driver.get(f"{base}/dashboard/devices")
            shot("06-thiet-bi")
            driver.get(f"{base}/dashboard/access-log")
            shot("07-nhat-ky-truy-cap")
            driver.get(f"{base}/dashboard/?lang=en")
            shot("08-overview-english")
            driver.get(f"{base}/dashboard/?lang=vi")
            sign_out(driver)
            sign_in(driver, base, "xem.tinh", "mat-khau-nguoi-xem")
            driver.get(f"{base}/dashboard/devices")
            shot("09-khong-co-quyen")
        hub.engine.dispose()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return saved


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    for path in make_screenshots(target):
        print(path)
