"""Start the installed package's app (`pt-recommender app`) and check in headless Chromium that it
answers one query from the URL. Run with the project's .venv (selenium); argv[1] is the installed
`pt-recommender` command."""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(command: str) -> int:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    port = free_port()
    server = subprocess.Popen([command, "app", "--port", str(port), "--address", "127.0.0.1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.5)
        else:
            print("the app did not start", file=sys.stderr)
            return 1
        opts = webdriver.ChromeOptions()
        opts.binary_location = "/usr/bin/chromium"
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-dev-shm-usage", "--disable-component-update", "--disable-sync", "--no-first-run",
                    f"--user-data-dir={tempfile.mkdtemp()}"):
            opts.add_argument(arg)
        drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
        try:
            drv.get(f"http://127.0.0.1:{port}/?q=3D+medical+segmentation")
            deadline = time.time() + 120
            while time.time() < deadline:
                text = drv.execute_script("return document.body.innerText")
                if "MONAI" in text:
                    print("   the installed app answered: MONAI is on the page")
                    return 0
                time.sleep(0.5)
            print("the app did not show MONAI for '3D medical segmentation'; the page says:\n" + text[:2000],
                  file=sys.stderr)
            return 1
        finally:
            drv.quit()
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
