"""End to end in headless Chromium: type a task, see MONAI, download the CSV, no markup runs.

Also measures the time from pressing Enter to cards shown on a warm app (median of 10),
written to artifacts/browser_timing.json together with a screenshot.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import PROBE_TAIL

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
XSS_ENTRY = """
- id: xss-probe
  name: "<img src=x onerror=window.__xss=1>Markup probe"
  type: library
  description: "<script>window.__xss=2</script> Probe entry for medical segmentation markup escaping <b>bold</b>."
  url: https://example.org/probe
  tasks: [medical-image-segmentation]
  description_zh: "<b>标记</b>探针条目，用来检查医学分割结果里的标记会被转义。"
"""  + PROBE_TAIL
TIMED = [("graph neural networks", "PyTorch Geometric"), ("differential privacy", "Opacus"),
         ("Bayesian optimization", "BoTorch"), ("model interpretability", "Captum"),
         ("hyperparameter optimization", "Optuna"), ("audio processing", "TorchAudio"),
         ("distributed training", "Horovod"), ("adversarial attacks", "AdverTorch"),
         ("probabilistic programming", "Pyro"), ("3D deep learning with meshes", "PyTorch3D")]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, real_recommender, real_index_dir):
    """`streamlit run app.py` on a free loopback port, over the shipped catalog plus a markup probe."""
    tmp = tmp_path_factory.mktemp("browser")
    data, index = tmp / "data", tmp / "index"
    shutil.copytree(ROOT / "data", data)
    with open(data / "libraries.yaml", "a", encoding="utf-8") as fh:
        fh.write(XSS_ENTRY)
    index.mkdir()
    live = real_index_dir
    for sub in ("models", "cache"):  # reuse the ONNX export and embeddings: only the probe is new
        if (live / sub).is_dir():
            shutil.copytree(live / sub, index / sub)
    port = _free_port()
    env = {**os.environ, "PT_RECOMMENDER_DATA_DIR": str(data), "PT_RECOMMENDER_INDEX_DIR": str(index),
           "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
                             "--server.port", str(port), "--server.address", "127.0.0.1",
                             "--server.headless", "true"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    import urllib.request

    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("streamlit did not start")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
        pytest.fail("Debian's chromium and chromium-driver are required (scripts/test.sh installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path_factory.mktemp("downloads")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-dev-shm-usage", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1400,2200",
                f"--user-data-dir={tmp_path_factory.mktemp('profile')}"):
        opts.add_argument(arg)
    opts.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                           "download.prompt_for_download": False})
    drv = webdriver.Chrome(service=Service(DRIVER), options=opts)
    drv.downloads = downloads
    yield drv
    drv.quit()


def _wait(drv, condition, timeout: float = 120.0):
    """Wait for `condition`; an element that goes stale while Streamlit re-renders is retried,
    not a failure (the page is rebuilt under the test many times a second)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(drv, timeout, poll_frequency=0.02,
                         ignored_exceptions=(StaleElementReferenceException,)).until(condition)


def _click_button(drv, label: str, timeout: float = 120.0, css: str = "button") -> None:
    """Find the button (or tab) by its text and click it, again if it went stale in between."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    def click(d) -> bool:
        try:
            [b for b in d.find_elements(By.CSS_SELECTOR, css) if b.text.strip() == label][0].click()
            return True
        except (IndexError, StaleElementReferenceException):
            return False

    _wait(drv, click, timeout)


def _body(drv) -> str:
    return drv.execute_script("return document.body.innerText")


def _search(drv, query: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    box = _wait(drv, lambda d: d.find_element(By.CSS_SELECTOR, "input[aria-label='Describe your task']"))
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.DELETE)
    box.send_keys(query)
    box.send_keys(Keys.ENTER)


def test_search_download_and_timing(server, driver) -> None:
    from selenium.webdriver.common.by import By

    ARTIFACTS.mkdir(exist_ok=True)
    driver.get(server)
    _search(driver, "3D medical segmentation")
    _wait(driver, lambda d: d.find_elements(By.LINK_TEXT, "MONAI"))
    assert "Libraries" in _body(driver)
    driver.save_screenshot(str(ARTIFACTS / "browser_search.png"))

    _click_button(driver, "Download CSV")
    target = driver.downloads / "recommendations.csv"
    _wait(driver, lambda d: target.exists() and target.stat().st_size > 0, 30)
    text = target.read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    shown = {a.text for a in driver.find_elements(By.TAG_NAME, "a")}
    assert 5 <= len(rows) <= 10 and rows[0]["query"] == "3D medical segmentation"
    assert {r["name"] for r in rows} <= shown  # the file holds exactly the cards shown
    assert "MONAI" in {r["name"] for r in rows}
    assert [int(r["rank"]) for r in rows] == list(range(1, len(rows) + 1))

    timings = []
    def links(d) -> list[str]:  # read in one script call: the page re-renders under us
        return d.execute_script("return Array.from(document.querySelectorAll('a')).map(a => a.innerText)")

    for query, expected in TIMED:
        before = links(driver)  # the wait below needs new cards, not the previous query's
        start = time.perf_counter()
        _search(driver, query)
        _wait(driver, lambda d, e=expected, b=before: e in links(d) and links(d) != b, 60)
        timings.append(time.perf_counter() - start)
    result = {"median_s": statistics.median(timings), "all_s": [round(t, 3) for t in timings]}
    (ARTIFACTS / "browser_timing.json").write_text(json.dumps(result, indent=2))
    print(f"\nEnter-to-cards on a warm app: median {result['median_s'] * 1000:.0f} ms over 10")


def test_markup_never_executes(server, driver) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    driver.get(server + "/?q=" + "%3Cscript%3Ewindow.__xss%3D3%3C%2Fscript%3E%20markup%20probe%20medical")
    _wait(driver, lambda d: "Markup probe" in _body(d))
    assert "<img src=x onerror=window.__xss=1>Markup probe" in _body(driver)
    assert "<script>window.__xss=2</script>" in _body(driver)
    assert driver.execute_script("return window.__xss === undefined")
    assert driver.execute_script("return document.querySelectorAll('img[onerror]').length") == 0
    scripts = driver.execute_script(
        "return Array.from(document.scripts).map(s => s.textContent).join(' ')")
    assert "__xss" not in scripts
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018
    driver.save_screenshot(str(ARTIFACTS / "browser_markup.png"))


def test_load_twenty_four_concurrent_sessions(server) -> None:
    """Loopback load test of the running app: 24 sessions x 3 searches, bounded in time."""
    import asyncio

    sys.path.insert(0, str(ROOT / "scripts"))
    from load_app import run

    result = asyncio.run(asyncio.wait_for(run(server, sessions=24, rounds=3, timeout=60), 300))
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "load_test.json").write_text(json.dumps(result, indent=2))
    print(f"\nload: {result['requests']} requests from 24 sessions, p50 {result['p50_ms']} ms, "
          f"p95 {result['p95_ms']} ms, wall {result['wall_s']} s")
    assert result["errors"] == []
    assert result["requests"] == 72


def test_batch_tab_upload_run_and_download(server, driver, tmp_path) -> None:
    from selenium.webdriver.common.by import By

    driver.get(server)
    _click_button(driver, "Batch", css="[role=tab]")
    bad = tmp_path / "bad.csv"
    bad.write_text("text\nhello\n")
    upload = _wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, "input[type='file']"))
    upload.send_keys(str(bad))
    _wait(driver, lambda d: "needs a `query` column" in _body(d) or "needs a query column" in _body(d), 60)
    good = tmp_path / "queries.csv"
    good.write_text("id,query\na,3D medical segmentation\nb,语义分割模型\nc,   \n", encoding="utf-8")
    driver.find_element(By.CSS_SELECTOR, "input[type='file']").send_keys(str(good))
    _click_button(driver, "Run 3 queries", 60)
    _wait(driver, lambda d: [b for b in d.find_elements(By.TAG_NAME, "button")
                             if b.text.strip() == "Download results CSV"], 120)
    assert "1 row(s) skipped" in _body(driver) and "line 4" in _body(driver)
    driver.save_screenshot(str(ARTIFACTS / "browser_batch.png"))
    _click_button(driver, "Download results CSV", 30)
    target = driver.downloads / "batch_recommendations.csv"
    _wait(driver, lambda d: target.exists() and target.stat().st_size > 0, 30)
    rows = list(csv.DictReader(io.StringIO(target.read_bytes().decode("utf-8-sig"))))
    assert {r["query_id"] for r in rows} == {"a", "b"}
    for qid in ("a", "b"):
        ranks = [int(r["rank"]) for r in rows if r["query_id"] == qid]
        assert 3 <= len(ranks) <= 10 and ranks == list(range(1, len(ranks) + 1))
    assert "MONAI" in {r["name"] for r in rows if r["query_id"] == "a"}


def test_browse_task_leaderboard_chart_and_pages(server, driver) -> None:
    """Browse -> a task (leaderboard first row and chart visible) -> a dataset and a resource page,
    then the same in Chinese; screenshots of each kept under artifacts/."""
    from selenium.webdriver.common.by import By

    ARTIFACTS.mkdir(exist_ok=True)
    timings = {}

    def open_page(url: str, ready, name: str) -> None:
        start = time.perf_counter()
        driver.get(url)
        _wait(driver, ready, 60)
        timings[name] = round(time.perf_counter() - start, 3)
        driver.save_screenshot(str(ARTIFACTS / f"page_{name}.png"))

    open_page(server + "/?page=browse", lambda d: "Image Classification" in _body(d), "browse")
    link = _wait(driver, lambda d: d.find_elements(By.LINK_TEXT, "Image Classification"))[0]
    assert link.get_attribute("href").endswith("?task=image-classification")
    open_page(link.get_attribute("href"), lambda d: "ImageNet-1K/acc@1" in _body(d)
              and d.find_elements(By.CSS_SELECTOR, ".vega-embed"), "task_leaderboard")
    body = _body(driver)
    assert "ViT_H_14_Weights.IMAGENET1K_SWAG_E2E_V1" in body  # the board's first row (best acc@1)
    assert "128 pretrained weights" in body
    open_page(server + "/?dataset=dataset-coco", lambda d: "COCO" in _body(d), "dataset")
    open_page(server + "/?id=monai", lambda d: "Needs it answers" in _body(d), "resource")
    open_page(server + "/?q=" + "%E4%B8%89%E7%BB%B4%E5%8C%BB%E5%AD%A6%E5%9B%BE%E5%83%8F%E5%88%86%E5%89%B2",
              lambda d: "推荐理由" in _body(d), "search_zh")
    open_page(server + "/?task=semantic-segmentation&lang=zh", lambda d: "排行榜" in _body(d), "task_zh")
    (ARTIFACTS / "page_timings.json").write_text(json.dumps(timings, indent=2))
