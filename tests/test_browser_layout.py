"""Every page as people see it, on a laptop, a projector and a phone, in English and in Portuguese, after drawing a
digit: no exception, no metric cut short, every pixel of a picture in view, nothing wider than a phone's screen but
tables, the draw page's answer in view above the canvas on a phone, and the canvas, type and pictures larger on a
projector."""

import pytest

from bench import browser
from bench.screenshots import send_class_drawings, tour
from bench.strokes import server_env
from digitlab.classroom.joining import JOIN_PATH
from digitlab.config import PICTURE_WIDTHS
from digitlab.navigation import PAGES
from tests.conftest import in_language

pytestmark = pytest.mark.browser

# What a page shows that is wider than its box, or than the phone's screen: one line each, empty when it reads well.
# Metrics, links and the sidebar's controls must show their whole text; on a phone only tables may scroll sideways.
# What is not drawn, or drawn but cut off by its box (a slider's hidden input, a chart's bars clipped to its plot),
# does not count.
LAYOUT_PROBLEMS = """
(phone) => {
  const problems = [];
  const main = document.querySelector('[data-testid=stMain]');
  const name = e => `${e.closest('[data-testid]')?.dataset.testid} "${(e.innerText || '').trim().slice(0, 60)}"`;
  const isDrawn = e => {
    const style = getComputedStyle(e);
    return e.getClientRects().length && style.visibility !== 'hidden' && style.opacity !== '0';
  };
  const cut = '[data-testid=stMetricValue], [data-testid=stMetricLabel], [data-testid=stPageLink-NavLink]';
  for (const box of main.querySelectorAll(cut)) {
    for (const e of [box, ...box.querySelectorAll('*')]) {
      if (isDrawn(e) && e.scrollWidth > e.clientWidth + 1) {
        problems.push(`cut short: ${name(box)} needs ${e.scrollWidth} px, has ${e.clientWidth}`);
        break;
      }
    }
  }
  // The sidebar, where it is open: each choice of a segmented control on one line, and a select box's value whole.
  const sidebar = document.querySelector('[data-testid=stSidebar][data-collapsed=false]');
  for (const group of sidebar?.querySelectorAll('[data-testid=stButtonGroup]') ?? []) {
    const tops = new Set([...group.querySelectorAll('button')].filter(isDrawn).map(b => b.getBoundingClientRect().top));
    if (tops.size > 1) problems.push(`wraps onto ${tops.size} lines: ${name(group)}`);
  }
  for (const box of sidebar?.querySelectorAll('[data-testid=stSelectbox]') ?? []) {
    for (const e of box.querySelectorAll('*')) {
      if (isDrawn(e) && e.scrollWidth > e.clientWidth + 1) {
        problems.push(`cut short: ${name(box)} needs ${e.scrollWidth} px, has ${e.clientWidth}`);
        break;
      }
    }
  }
  // A picture shows every pixel: rounded corners hide those in its corners.
  for (const image of main.querySelectorAll('[data-testid=stImage] img')) {
    if (isDrawn(image) && getComputedStyle(image).borderRadius !== '0px') {
      problems.push(`rounded corners: ${name(image.closest('[data-testid=stImage]'))}`);
    }
  }
  if (!phone) return problems;
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > width) problems.push('the page scrolls sideways');
  const tables = '[data-testid=stDataFrame], [data-testid=stTable], table';
  // What of an element shows: its box, less what an ancestor that hides its overflow cuts off (a scrolling
  // ancestor is checked on its own: it scrolls sideways).
  const shown = e => {
    let {left, right} = e.getBoundingClientRect();
    for (let a = e.parentElement; a && a !== main; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (['hidden', 'clip'].includes(style.overflowX) || style.clip !== 'auto' || style.clipPath !== 'none') {
        const box = a.getBoundingClientRect();
        [left, right] = [Math.max(left, box.left), Math.min(right, box.right)];
      }
    }
    return {left, right};
  };
  for (const e of main.querySelectorAll('*')) {
    if (!isDrawn(e) || e.closest(tables)) continue;
    const style = getComputedStyle(e);
    if (['auto', 'scroll'].includes(style.overflowX) && e.scrollWidth > e.clientWidth + 1) {
      problems.push(`scrolls sideways: ${name(e)}, ${e.scrollWidth} px in ${e.clientWidth}`);
    }
    const {left, right} = shown(e);
    if (right > left && (right > width + 1 || left < -1)) {
      problems.push(`wider than the screen: ${name(e)} from ${Math.round(left)} to ${Math.round(right)} px`);
    }
  }
  return problems;
}
"""
# The type a projector shows at least, in CSS pixels: the theme's base size a fifth larger or more.
PROJECTOR_TYPE_PX = 21
# The projector shows the canvas this much larger than its own pixels, at least.
PROJECTOR_CANVAS_ZOOM = 1.4
# And the small pictures of every page (sized by `ui.picture_width`: what the model sees, the network pages' input,
# the confusion matrix's examples, the class's QR code) this much wider than the pixels Streamlit gives them (a
# laptop's width).
PROJECTOR_PICTURE_ZOOM = 1.3
SCREENS_AND_LANGUAGES = [
    ("laptop", "en"),
    ("projector", "en"),
    ("phone", "en"),
    ("laptop", "pt-BR"),
    ("projector", "pt-BR"),
    ("phone", "pt-BR"),
]


@pytest.fixture(scope="module")
def app_with_a_class(tmp_path_factory, chromium_browser):
    """The real app with a class database of its own, in which a phone has sent two drawings."""
    folder = tmp_path_factory.mktemp("class")
    with browser.running_app(env={**server_env(), "DIGITLAB_CLASSROOM_DIR": str(folder)}) as (url, _process):
        context = chromium_browser.new_context(**browser.SCREENS["phone"])
        send_class_drawings(context.new_page(), url, (7, 1))
        context.close()
        yield url


def problems_of(page, screen: str) -> list[str]:
    """What is wrong with the page as shown: Streamlit's exception and error boxes and LAYOUT_PROBLEMS."""
    return browser.page_errors(page) + page.evaluate(LAYOUT_PROBLEMS, screen == "phone")


def answer_in_view(page) -> list[str]:
    """On a phone, just after drawing with a finger: the answer above the canvas, both in view without scrolling."""
    canvas = browser.drawing_surface(page).bounding_box()
    answer = page.locator(browser.PREDICTION_SELECTOR).bounding_box()
    height = page.viewport_size["height"]
    problems = []
    if browser.scroll_offset(page):
        problems.append("drawing scrolled the page")
    if not 0 <= answer["y"] <= answer["y"] + answer["height"] <= min(canvas["y"], height):
        problems.append(f"the answer ({answer}) is not in view above the canvas ({canvas})")
    if canvas["y"] + canvas["height"] > height:
        problems.append(f"the canvas ({canvas}) runs below the screen ({height} px)")
    return problems


def small_pictures(page, selector: str = "") -> list[tuple[float, float]]:
    """(shown, given) widths in px of the page's pictures sized by `ui.picture_width` (under `selector`): the images
    whose width Streamlit was given is one of PICTURE_WIDTHS."""
    sizes = page.locator(f'{selector} [data-testid="stImage"] img').evaluate_all(
        "images => images.map(image => [image.getBoundingClientRect().width, parseFloat(image.style.width)])"
    )
    return [(shown, given) for shown, given in sizes if given in PICTURE_WIDTHS]


def sharp_pictures(page, is_draw_page: bool) -> list[str]:
    """What is wrong with the page's small pictures: any whose pixels' edges a screen that enlarges them again (a
    phone's, a projector's denser pixels) would blur; on the draw page, pictures of what the model sees that are
    not four squares of one size (each drawing fitted into its own square, not stretched to its width)."""
    pictures = page.locator('[data-testid="stImage"] img').evaluate_all(
        """images => images.map(image => ({given: parseFloat(image.style.width),
            rendering: getComputedStyle(image).imageRendering,
            sees: !!image.closest('.st-key-model_sees'),
            size: [image.getBoundingClientRect().width, image.getBoundingClientRect().height]
                    .map(side => Math.round(side))}))"""
    )
    small = [picture for picture in pictures if picture["given"] in PICTURE_WIDTHS]
    problems = [f"a picture {picture} is smoothed" for picture in small if picture["rendering"] != "pixelated"]
    sees = [tuple(picture["size"]) for picture in small if picture["sees"]]
    if is_draw_page and (len(sees) != 4 or len(set(sees)) != 1 or sees[0][0] != sees[0][1]):
        problems.append(f"the pictures of what the model sees are not four squares of one size: {sees}")
    return problems


def projector_pictures(page) -> list[str]:
    """On a projector, every page: the small pictures grow with the type."""
    pictures = small_pictures(page)
    if any(shown < PROJECTOR_PICTURE_ZOOM * given for shown, given in pictures):
        return [f"the small pictures are shown at {pictures} px (shown, given)"]
    return []


def projector_size(page) -> list[str]:
    """On a projector: type and canvas large enough for the back of a classroom, and the draw page's four pictures of
    what the model sees there (`projector_pictures` checks their size, as every page's)."""
    surface = browser.drawing_surface(page)
    zoom = surface.bounding_box()["width"] / surface.evaluate("canvas => canvas.width")
    type_px = page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)")
    problems = []
    if zoom < PROJECTOR_CANVAS_ZOOM:
        problems.append(f"the canvas is shown at {zoom:.2f} times its size")
    if len(small_pictures(page, ".st-key-model_sees")) != 4:
        problems.append("the draw page does not show the four pictures of what the model sees")
    if type_px < PROJECTOR_TYPE_PX:
        problems.append(f"the type is {type_px} px")
    return problems


@pytest.mark.parametrize(("screen", "language"), SCREENS_AND_LANGUAGES)
def test_every_page_reads_well_on_the_screen(app_with_a_class, new_context, screen, language):
    page = new_context(**browser.SCREENS[screen]).new_page()
    page.goto(f"{app_with_a_class}/?lang={language}")
    problems = {}
    widths = set()  # of the small pictures the tour showed
    for name in tour(page, screen):
        problems[name] = problems_of(page, screen) + sharp_pictures(page, name == "draw_a_digit")
        widths |= {given for _shown, given in small_pictures(page)}
        if screen == "projector":
            problems[name] += projector_pictures(page)
        if name == "draw_a_digit":
            heading = page.locator("h1").first.inner_text()
        if name == "draw_a_digit" and screen == "phone":
            problems[name] += answer_in_view(page)
        if name == "draw_a_digit" and screen == "projector":
            problems[name] += projector_size(page)
    page.goto(f"{app_with_a_class}/{JOIN_PATH}?lang={language}")
    browser.drawing_surface(page, 120_000)
    browser.wait_until_idle(page)
    problems["join"] = problems_of(page, screen)

    assert heading.endswith(in_language("Draw a digit", language))  # after the icon's name
    assert len(problems) == len(PAGES) + 1  # every page of the menu, and the class's phone page
    assert widths == set(PICTURE_WIDTHS)  # so each size's projector rule was checked
    found = [f"{name}: {problem}" for name, problems_of_page in problems.items() for problem in problems_of_page]
    assert not found, "\n".join(found)


# Every animation frame: the page's type size, the sidebar's width, and whether a segmented control of the sidebar
# (the language switch) wraps.
RECORD_FRAMES = """() => {
  window.frames_seen = [];
  const record = () => {
    const sidebar = document.querySelector('[data-testid=stSidebar]');
    const group = sidebar?.querySelector('[data-testid=stButtonGroup]');
    const buttons = [...(group?.querySelectorAll('button') ?? [])];
    const tops = new Set(buttons.map(b => Math.round(b.getBoundingClientRect().top)));
    window.frames_seen.push({type: getComputedStyle(document.documentElement).fontSize,
                             sidebar: Math.round(sidebar?.getBoundingClientRect().width ?? 0), wraps: tops.size > 1});
    requestAnimationFrame(record);
  };
  requestAnimationFrame(record);
}"""


def test_a_projector_keeps_its_large_type_and_sidebar_through_a_switch_of_page(app_url, new_context):
    page = new_context(**browser.SCREENS["projector"]).new_page()
    page.goto(f"{app_url}/?lang=pt-BR")
    browser.drawing_surface(page, 120_000)
    browser.wait_until_idle(page)
    page.evaluate(RECORD_FRAMES)
    for path in ("Feature_maps", "Pooling", ""):
        browser.open_from_menu(page, path)
    page.wait_for_timeout(500)
    frames = page.evaluate("window.frames_seen")
    assert len(frames) > 30
    assert {frame["type"] for frame in frames} == {"22px"}
    assert len({frame["sidebar"] for frame in frames}) == 1
    assert not any(frame["wraps"] for frame in frames)
