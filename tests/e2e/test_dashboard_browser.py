"""The dashboard in a real browser: Debian's chromium, headless, against ``colloquy dashboard``.

One test walks the product as a person would, on a store built by the real ingest and
analysis of small dataset slices: every page loads without a Streamlit exception box or a
browser console error, a sidebar filter changes the numbers and the URL, the flow's
click-through ends on a transcript with the failing turn marked, and a CSV and a PDF
download hold what the page showed. Each page is screenshotted; its render time (from
navigation until the script finished) is printed and written beside the screenshots
(``DASHBOARD_SCREENSHOTS``, default a temporary folder) as ``timings.json``, never asserted.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.unit.dashboard.demo_store import build_demo_home

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
START_TIMEOUT_S = 90
PAGE_TIMEOUT_S = 60

PAGES = (
    ("overview", "Overview", "craigslist_bargain"),
    ("intents", "Intents", "sgd"),
    ("flow", "Flow", "sgd"),
    ("failures", "Failure points", "twitter"),
    ("sentiment", "Sentiment", "twitter"),
    ("conversion", "Conversion", "craigslist_bargain"),
    ("models", "Models", "twitter"),
    ("monitoring", "Monitoring", "twitter"),
    ("agent", "Agent", "twitter"),
)

if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    if os.environ.get("CI"):
        pytest.fail(
            "chromium and chromium-driver are missing; `make system-deps` installs them",
            pytrace=False,
        )
    pytest.skip(
        "needs Debian's chromium and chromium-driver (`make system-deps`)",
        allow_module_level=True,
    )

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"colloquy dashboard exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"colloquy dashboard did not answer in {START_TIMEOUT_S} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``colloquy dashboard`` on loopback over a freshly built demo store."""
    root = tmp_path_factory.mktemp("dashboard-e2e")
    home = root / "home"
    build_demo_home(home, root / "work")
    port = _free_port()
    log = root / "dashboard.log"
    env = {**os.environ, "COLLOQUY_HOME": str(home)}
    env.pop("COLLOQUY_DATABASE_URL", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "colloquy", "dashboard", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads: Path) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    try:
        yield driver
    finally:
        driver.quit()


def _settled(driver: webdriver.Chrome, title: str) -> None:
    """Wait until the page's title is drawn and the script run is over."""

    def ready(d: webdriver.Chrome) -> bool:
        apps = d.find_elements(By.CSS_SELECTOR, "[data-testid='stApp']")
        if not apps or apps[0].get_attribute("data-test-script-state") != "notRunning":
            return False
        heads = d.find_elements(By.TAG_NAME, "h1")
        return any(h.text.strip().startswith(title) for h in heads)

    WebDriverWait(driver, PAGE_TIMEOUT_S, poll_frequency=0.1).until(ready)


def _rerun(driver: webdriver.Chrome, action: object, title: str) -> None:
    """Do ``action`` (a click), then wait for the rerun it starts to finish."""
    assert callable(action)
    action()
    with contextlib.suppress(TimeoutException):
        WebDriverWait(driver, 5, poll_frequency=0.05).until(
            lambda d: (
                d.find_element(By.CSS_SELECTOR, "[data-testid='stApp']").get_attribute(
                    "data-test-script-state"
                )
                == "running"
            )
        )
    _settled(driver, title)


def _no_trouble(driver: webdriver.Chrome, where: str) -> None:
    boxes = driver.find_elements(By.CSS_SELECTOR, "[data-testid='stException']")
    assert not boxes, f"{where}: Streamlit exception: {boxes[0].text}"
    entries: list[dict[str, object]] = driver.get_log("browser")  # type: ignore[no-untyped-call]
    errors = [e for e in entries if e.get("level") == "SEVERE" and not _probe(e)]
    assert not errors, f"{where}: browser console errors: {errors}"


def _probe(entry: dict[str, object]) -> bool:
    """Streamlit's frontend finds its base path by asking ``<page path>/_stcore/health``
    (and ``host-config``) first; on a page URL that answers 404 before it tries ``/``.
    That probe is the only console error the product itself is allowed."""
    message = str(entry.get("message", ""))
    return entry.get("source") == "network" and any(
        f"/_stcore/{name} - Failed to load resource: the server responded with a status of 404"
        in message
        for name in ("health", "host-config")
    )


def _button(driver: webdriver.Chrome, text: str) -> WebElement:
    """The first button labelled ``text``, scrolled to the middle of the window."""
    found = driver.find_elements(By.XPATH, f"//button[contains(., {json.dumps(text)})]")
    assert found, f"no button {text!r}"
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", found[0])
    return found[0]


def _download(folder: Path, suffix: str, before: set[Path]) -> Path:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        new = [p for p in folder.iterdir() if p not in before and p.suffix == suffix]
        if new:
            return new[0]
        time.sleep(0.2)
    pytest.fail(f"no {suffix} download arrived in {folder}")


def _metric(driver: webdriver.Chrome, label: str) -> str:
    for box in driver.find_elements(By.CSS_SELECTOR, "[data-testid='stMetric']"):
        name = box.find_element(By.CSS_SELECTOR, "[data-testid='stMetricLabel']").text
        if name.strip() == label:
            return str(box.find_element(By.CSS_SELECTOR, "[data-testid='stMetricValue']").text)
    pytest.fail(f"no metric {label!r}")


def test_every_page_filters_click_through_and_exports(
    dashboard: str, browser: webdriver.Chrome, downloads: Path, tmp_path: Path
) -> None:
    wanted = os.environ.get("DASHBOARD_SCREENSHOTS")
    shots = Path(wanted) if wanted else tmp_path / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    timings: dict[str, tuple[float, float]] = {}
    for visit in ("first", "again"):
        for path, title, dataset in PAGES:
            # Overview is the default page, at the root URL.
            where = "" if path == "overview" else path
            started = time.perf_counter()
            browser.get(f"{dashboard}/{where}?dataset={dataset}")
            _settled(browser, title)
            seconds = round(time.perf_counter() - started, 2)
            _no_trouble(browser, path)
            if visit == "first":
                timings[path] = (seconds, 0.0)
                browser.save_screenshot(str(shots / f"{path}.png"))
            else:
                timings[path] = (timings[path][0], seconds)
    rows = "\n".join(
        f"| {page} | {cold:.2f} | {warm:.2f} |" for page, (cold, warm) in timings.items()
    )
    print(f"\n| page | first visit s | again s |\n|---|---|---|\n{rows}")
    (shots / "timings.json").write_text(json.dumps(timings, indent=2), encoding="utf-8")

    # A sidebar filter changes the numbers and lands in the URL.
    browser.get(f"{dashboard}/?dataset=twitter")
    _settled(browser, "Overview")
    everyone = int(_metric(browser, "Conversations").replace(",", ""))
    brand_box = browser.find_element(
        By.XPATH, "//div[@data-testid='stMultiSelect'][.//p[text()='Brand']]"
    )
    brand_box.find_element(By.TAG_NAME, "input").click()
    option = WebDriverWait(browser, 10).until(
        lambda d: next(
            (
                o
                for o in d.find_elements(By.CSS_SELECTOR, "[role='option']")
                if o.text.strip() and o.text.strip() != "Select all"
            ),
            None,
        )
    )
    assert option is not None
    _rerun(browser, option.click, "Overview")
    WebDriverWait(browser, 10).until(lambda d: "brand=" in d.current_url)
    _settled(browser, "Overview")
    some = int(_metric(browser, "Conversations").replace(",", ""))
    assert 0 < some < everyone
    _no_trouble(browser, "overview filtered")

    # The flow's click-through ends on a transcript with the failing turn marked.
    browser.get(f"{dashboard}/flow?dataset=sgd")
    _settled(browser, "Flow")
    _rerun(browser, _button(browser, "Show failure points at").click, "Failure points")
    assert "/failures" in browser.current_url
    assert "step=" in browser.current_url
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "Transcript of" in body
    assert "failing turn" in body
    _no_trouble(browser, "flow click-through")
    marked = browser.find_elements(By.CSS_SELECTOR, "[class*='st-key-failing-turn-']")
    assert marked, "no failing turn is marked in the transcript"
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", marked[0])
    time.sleep(0.5)
    browser.save_screenshot(str(shots / "failures-transcript.png"))

    # A CSV and a PDF of the page hold what it showed.
    before = set(downloads.iterdir())
    _button(browser, "Download CSV").click()
    csv_file = _download(downloads, ".csv", before)
    assert csv_file.read_text(encoding="utf-8").startswith("failure,points,conversations")
    before = set(downloads.iterdir())
    _button(browser, "Download PDF report").click()
    pdf_file = _download(downloads, ".pdf", before)
    data = pdf_file.read_bytes()
    assert data.startswith(b"%PDF-")
    assert b"Failure points" in data
    assert b"dataset sgd" in data
    _no_trouble(browser, "downloads")
