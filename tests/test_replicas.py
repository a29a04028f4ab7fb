"""Several DigitLab servers behind nginx with the repository's own configuration (deploy/nginx.conf): the app works
through the proxy, each person stays on one server, and people spread over the servers."""

from __future__ import annotations

import http.client
import re
import shutil
import subprocess
import time
from contextlib import ExitStack
from urllib.parse import urlsplit

import pytest

from bench import browser
from digitlab.config import ROOT_DIR

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed (apt-get install nginx-light)"),
]
CONFIG = ROOT_DIR / "deploy" / "nginx.conf"


def server_for(port: int, client: str) -> str:
    """The server nginx sends a request from the loopback address `client` to (its X-DigitLab-Server header)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(client, 0))
    try:
        connection.request("GET", "/_stcore/health")
        response = connection.getresponse()
        assert response.status == 200
        return response.getheader("X-DigitLab-Server")
    finally:
        connection.close()


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    """Two app servers and nginx in front of them, on free ports: yields (proxy port, the servers' ports)."""
    folder = tmp_path_factory.mktemp("nginx")
    (folder / "tmp").mkdir()
    with ExitStack() as stack:
        # The servers listen where the system puts them; only nginx's port is chosen before it starts.
        first, second = (urlsplit(stack.enter_context(browser.running_app())[0]).port for _ in range(2))
        port = browser.free_port()
        text = CONFIG.read_text().replace("listen 8501;", f"listen 127.0.0.1:{port};")
        text = text.replace("127.0.0.1:8601", f"127.0.0.1:{first}").replace("127.0.0.1:8602", f"127.0.0.1:{second}")
        (folder / "nginx.conf").write_text(text)
        nginx = subprocess.Popen(["nginx", "-c", str(folder / "nginx.conf"), "-p", str(folder), "-g", "daemon off;"])
        stack.callback(nginx.wait, timeout=10)
        stack.callback(nginx.terminate)
        deadline = time.monotonic() + 20
        while True:
            try:
                server_for(port, "127.0.0.1")
                break
            except (OSError, http.client.HTTPException):
                if time.monotonic() > deadline or nginx.poll() is not None:
                    raise
                time.sleep(0.2)
        yield port, (first, second)


def test_each_person_stays_on_one_server_and_people_spread_over_both(proxy):
    port, servers = proxy
    clients = [f"127.0.0.{last}" for last in range(1, 13)]
    chosen = {client: server_for(port, client) for client in clients}
    assert all(server_for(port, client) == chosen[client] for client in clients)  # sticky
    assert {int(re.search(r":(\d+)$", server).group(1)) for server in chosen.values()} == set(servers)


def test_drawing_through_the_proxy_gets_an_answer(proxy, new_context):
    page = new_context(viewport={"width": 1400, "height": 1100}).new_page()
    page.goto(f"http://127.0.0.1:{proxy[0]}")
    for stroke in browser.DIGIT_STROKES[7]:
        browser.draw_stroke(page, stroke)
    assert browser.predicted_digit(browser.prediction_text(page)) == 7
    page.get_by_text("Centred by mass in 28×28: the input").wait_for(timeout=30_000)  # its picture came too
    assert browser.page_errors(page) == []
