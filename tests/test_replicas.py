"""Several DigitLab servers behind nginx with the repository's own configuration (deploy/nginx.conf): the app works
through the proxy, each person stays on one server, and people spread over the servers."""

from __future__ import annotations

import http.client
import itertools
import re
import shutil
import socket
import subprocess
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bench import browser
from digitlab.config import ROOT_DIR
from tests.conftest import healthy_server

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


def start_nginx(folder: Path, servers: tuple[int, int], attempts: int = 5) -> tuple[subprocess.Popen, int]:
    """nginx with the repository's configuration, in front of the app servers on ports `servers`, on a free port;
    returns (nginx, its port) once it answers. nginx cannot take a port the system picks as it listens, so its
    port is chosen before it starts: one taken in between (by the suite running beside) makes nginx exit, and it
    is started again on another."""
    text = CONFIG.read_text()
    for old_port, new_port in zip(("8601", "8602"), servers, strict=True):
        text = text.replace(f"127.0.0.1:{old_port}", f"127.0.0.1:{new_port}")
    for _ in range(attempts):
        port = browser.free_port()
        (folder / "nginx.conf").write_text(text.replace("listen 8501;", f"listen 127.0.0.1:{port};"))
        nginx = subprocess.Popen(["nginx", "-c", str(folder / "nginx.conf"), "-p", str(folder), "-g", "daemon off;"])
        deadline = time.monotonic() + 20
        while nginx.poll() is None:
            try:
                # Only nginx names the server it chose: a server that took the port answers without the header.
                if server_for(port, "127.0.0.1"):
                    return nginx, port
            except (OSError, http.client.HTTPException, AssertionError):
                pass
            if time.monotonic() > deadline:
                nginx.terminate()
                nginx.wait(timeout=10)
                raise TimeoutError(f"nginx did not answer on port {port} within 20 s")
            time.sleep(0.2)
    raise RuntimeError(f"nginx exited on each of {attempts} free ports; its error is above")


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    """Two app servers and nginx in front of them, on free ports: yields (proxy port, the servers' ports)."""
    folder = tmp_path_factory.mktemp("nginx")
    (folder / "tmp").mkdir()
    with ExitStack() as stack:
        servers = tuple(urlsplit(stack.enter_context(browser.running_app())[0]).port for _ in range(2))
        nginx, port = start_nginx(folder, servers)
        stack.callback(nginx.wait, timeout=10)
        stack.callback(nginx.terminate)
        yield port, servers


def test_nginx_starts_on_another_port_when_its_port_is_taken_before_it_listens(tmp_path, monkeypatch):
    (tmp_path / "tmp").mkdir()
    with ExitStack() as stack:
        # Stand-ins for the two app servers.
        servers = [stack.enter_context(healthy_server()) for _ in range(2)]
        # Another program takes the first port chosen for nginx before nginx starts.
        taken = stack.enter_context(socket.create_server(("127.0.0.1", 0)))
        ports = itertools.chain([taken.getsockname()[1]], iter(browser.free_port, None))
        monkeypatch.setattr(browser, "free_port", lambda: next(ports))
        nginx, port = start_nginx(tmp_path, tuple(servers))
        stack.callback(nginx.wait, timeout=10)
        stack.callback(nginx.terminate)
        assert port != taken.getsockname()[1]
        assert int(server_for(port, "127.0.0.1").rsplit(":", 1)[1]) in servers


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
