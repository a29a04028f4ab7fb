"""Classroom mode in the real app: a phone joins, draws a digit with its finger, sends it, and the projector counts
it; the teacher fine-tunes the model on the class's drawings and watches it learn."""

import codecs
import re
import shutil
from types import SimpleNamespace

import numpy as np
import pytest
import sqlalchemy as sa
from streamlit.proto.BackMsg_pb2 import BackMsg

from bench import browser
from bench.strokes import server_env
from digitlab import config
from digitlab.classroom import store
from digitlab.data import load_mnist, to_float_images
from digitlab.i18n import a_digit
from tests.conftest import class_drawing, in_language

TEACHER_KEY = "TEST-KEY7"
# The app's connection to its server.
STREAM = re.compile(r"/_stcore/stream")

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def class_app_url(tmp_path_factory, chromium_browser):
    """The real app with a class database of its own."""
    folder = tmp_path_factory.mktemp("class")
    with browser.running_app(env={**server_env(), "DIGITLAB_CLASSROOM_DIR": str(folder)}) as (url, _process):
        yield url


def test_a_phone_draws_with_its_finger_sends_and_the_projector_counts_it(class_app_url, new_context):
    projector = new_context(viewport={"width": 1280, "height": 800}).new_page()
    projector.goto(f"{class_app_url}/Classroom")
    projector.get_by_text("No drawings yet").wait_for(timeout=120_000)

    phone = new_context(**browser.PHONE).new_page()
    phone.goto(f"{class_app_url}/join")
    canvas = browser.drawing_surface(phone, 120_000)
    browser.wait_until_idle(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= browser.PHONE["viewport"]["width"]
    # A finger moving up over the heading scrolls the page; over the canvas it draws, and the page stays put.
    before = browser.scroll_offset(phone)
    browser.touch_stroke(phone, [(100, 300), (100, 100), (100, 20)], phone.locator("h1"))
    assert browser.scroll_offset(phone) > before
    canvas.scroll_into_view_if_needed()
    before = browser.scroll_offset(phone)
    assert before > 0  # scrolled: a stroke moving down would scroll the page back up if the canvas let it
    for stroke in browser.DIGIT_STROKES[7]:
        browser.touch_stroke(phone, stroke)
    phone.get_by_text("Your 1 stroke").wait_for(timeout=30_000)
    assert browser.scroll_offset(phone) == before

    asked = phone.locator(".prompt b").inner_text()
    phone.get_by_role("button", name="Send").tap()
    result = phone.locator(".st-key-student_result")
    result.wait_for(timeout=30_000)
    assert f"You drew {a_digit(int(asked))}" in result.inner_text()  # "an 8": the prompt is random
    assert browser.page_errors(phone) == []

    # The projector reads the class again every few seconds, without a reload.
    projector.locator("[data-testid='stMetric']", has_text="Drawings").get_by_text("1", exact=True).wait_for(
        timeout=30_000
    )
    assert browser.page_errors(projector) == []


@pytest.fixture(scope="module")
def class_of_40(tmp_path_factory, synthetic_mnist):
    """The real app with a class of 40 drawings (synthetic digits, a quarter held back, all read right), the teacher's
    key in the secrets of its home folder, and MNIST where the fine-tuning looks for it (the synthetic one: CI has no
    other); its URL and its class's database."""
    home, folder = tmp_path_factory.mktemp("home"), tmp_path_factory.mktemp("class")
    (home / ".streamlit").mkdir()
    (home / ".streamlit" / "secrets.toml").write_text(f'[classroom]\nteacher_key = "{TEACHER_KEY}"\n')
    (home / ".keras" / "datasets").mkdir(parents=True)
    shutil.copy(synthetic_mnist, home / ".keras" / "datasets" / "mnist.npz")
    database = store.sqlite_url(folder / config.CLASSROOM_DB_NAME)
    engine = sa.create_engine(database)
    store.prepare(engine)
    (images, labels), _ = load_mnist(synthetic_mnist)
    for index in range(40):
        read = np.eye(10, dtype=np.float32)[labels[index]]
        drawing = store.Drawing(f"drawing-{index}", f"student-{index % 8}", "", int(labels[index]),
                                to_float_images(images[index]), read, "bundled", "0" * 64)  # fmt: skip
        store.add_drawing(engine, drawing)
    engine.dispose()
    environment = {**server_env(), "DIGITLAB_CLASSROOM_DIR": str(folder), "HOME": str(home)}
    with browser.running_app(env=environment) as (url, _process):
        yield SimpleNamespace(url=url, database=database)


def send_drawing(database: str, prompt: int, answer: int) -> None:
    """A student sends a drawing of `prompt`, which the model read as `answer`."""
    engine = sa.create_engine(database)
    store.add_drawing(engine, class_drawing(prompt, answer, student="late-student", nickname="", confidence=1.0))
    engine.dispose()


def drawings(database: str) -> int:
    """How many drawings the class has, hidden ones too."""
    engine = sa.create_engine(database)
    counts = store.counts(engine)
    engine.dispose()
    return counts.drawings + counts.hidden


def teacher_page(context, url: str):
    """The Classroom page, unlocked with the teacher's key, in the language `url` asks for."""
    page = context.new_page()
    page.goto(url)
    language = "pt-BR" if "lang=pt-BR" in url else "en"
    key = page.get_by_label(in_language("Teacher's key", language), exact=True).and_(page.locator("input"))
    key.wait_for(timeout=120_000)
    key.fill(TEACHER_KEY)
    key.press("Enter")
    return page


def test_the_teacher_watches_the_model_learn_the_class_and_sees_before_and_after(class_of_40, new_context):
    page = teacher_page(new_context(**browser.SCREENS["laptop"]), f"{class_of_40.url}/Classroom")
    page.get_by_role("button", name="Teach the model our handwriting").click()

    # The progress, then the results, come without the teacher touching the page.
    page.get_by_role("progressbar").wait_for(timeout=30_000)
    page.get_by_role("button", name="Switch the class to it").wait_for(timeout=120_000)
    assert page.get_by_text("Before", exact=True).count() and page.get_by_text("After", exact=True).count()
    assert browser.page_errors(page) == []


class BusyServer:
    """The page's connection to the app's server, able to hold back the page's requests for a file: a server busy
    with a class (30 phones drawing, the projector reading the class every few seconds) answers one late."""

    def __init__(self, context) -> None:
        self.holding, self.held, self.server = False, [], None
        context.route_web_socket(STREAM, self._connect)

    def _connect(self, page_side) -> None:
        self.server = page_side.connect_to_server()
        page_side.on_message(self._from_page)

    def _from_page(self, message) -> None:
        if self.holding and BackMsg.FromString(message).WhichOneof("type") == "backend_operation_request":
            self.held.append(message)
        else:
            self.server.send(message)

    def release(self) -> None:
        """Send the requests held until now on to the server, and hold no more."""
        self.holding = False
        for message in self.held:
            self.server.send(message)
        self.held.clear()


def test_the_teacher_downloads_the_class_for_a_spreadsheet_in_their_language(class_of_40, new_context):
    context = new_context(**browser.SCREENS["laptop"], accept_downloads=True)
    server = BusyServer(context)
    page = teacher_page(context, f"{class_of_40.url}/Classroom?lang=pt-BR")
    label = in_language("Download what was asked and answered (.csv)", "pt-BR")
    page.get_by_role("button", name=label).wait_for(timeout=60_000)
    # The class goes on drawing while the page is open: the file and the count to confirm follow it.
    sent = drawings(class_of_40.database) + 1
    send_drawing(class_of_40.database, prompt=3, answer=3)
    page.locator("[data-testid='stCheckbox']", has_text=str(sent)).wait_for(timeout=30_000)
    browser.wait_until_idle(page)
    with page.expect_download(timeout=60_000) as download:
        # The click's request for its file reaches the busy server after anything else the click sent has been
        # answered: the file must still be made.
        server.holding = True
        page.get_by_role("button", name=label).click()
        for _ in range(100):  # Playwright hands over what the page sends while the test waits
            if server.held:
                break
            page.wait_for_timeout(100)
        assert server.held  # the request was held back: this is the late request, not a prompt one
        browser.wait_until_idle(page)
        server.release()
    data = download.value.path().read_bytes()
    errors = browser.page_errors(page)

    assert errors == []

    assert download.value.suggested_filename == "digitlab-class.csv"
    assert data.startswith(codecs.BOM_UTF8)
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "desenho;hora (UTC);apelido;pedido;lido;confiança;certo;separado;modelo;SHA-256 do modelo"
    assert len(lines) == 1 + sent and all(line.count(";") == 9 for line in lines)
    assert lines[1].split(";")[5] == "1,0"  # the confidence the fixture stored, with a decimal comma


def test_the_teacher_opens_a_misread_drawing_closes_it_and_opens_it_again(class_of_40, new_context):
    send_drawing(class_of_40.database, prompt=4, answer=9)
    page = teacher_page(new_context(**browser.SCREENS["laptop"]), f"{class_of_40.url}/Classroom")
    gallery = page.locator(".stVegaLiteChart", has=page.locator("svg image"))
    heading = page.get_by_role("heading", name="Asked for a 4, read as a 9")
    for _ in range(2):
        picture = gallery.locator("svg image").first
        picture.wait_for(timeout=60_000)
        picture.click()
        heading.wait_for(timeout=30_000)
        page.get_by_role("button", name="Close").click()
        heading.wait_for(state="detached", timeout=30_000)
    assert browser.page_errors(page) == []


# Every text of a button or a check box among the teacher's files that is wider than the box that shows it (an icon
# is no text).
CUT_SHORT = """() => [...document.querySelectorAll('.st-key-class_files button *, .st-key-class_files label *')]
  .filter(e => e.getClientRects().length && (e.innerText || '').trim() && e.scrollWidth > e.clientWidth + 1)
  .map(e => e.innerText)"""


@pytest.mark.parametrize(("screen", "language"), [("laptop", "pt-BR"), ("phone", "pt-BR"), ("phone", "en")])
def test_the_teachers_files_and_clear_read_whole(class_of_40, new_context, screen, language):
    page = teacher_page(new_context(**browser.SCREENS[screen]), f"{class_of_40.url}/Classroom?lang={language}")
    page.get_by_role("button", name=in_language("Clear the class", language)).wait_for(timeout=60_000)
    browser.wait_until_idle(page)
    assert page.evaluate(CUT_SHORT) == []
    assert browser.page_errors(page) == []
