"""The menu in headless Chromium: a link to a page, opened first thing on a fresh server, shows that page under
the app's own menu."""

from urllib.parse import urlsplit

import pytest

from bench import browser
from bench.strokes import server_env
from tests.conftest import in_language

pytestmark = pytest.mark.browser

MENU_LINKS = "[data-testid=stSidebarNavLink]"


def menu(page) -> list[str]:
    """The menu's entries, as a person reads them (without the icons' names)."""
    page.locator(MENU_LINKS).first.wait_for(timeout=120_000)
    return [link.split("\n")[-1] for link in page.locator(MENU_LINKS).all_inner_texts()]


def test_a_deep_link_on_a_fresh_server_opens_the_page_under_the_apps_menu(new_context):
    with browser.running_app(env=server_env()) as (url, _process):
        page = new_context(viewport={"width": 1280, "height": 800}).new_page()
        page.goto(f"{url}/Confusion_matrix")
        entries = menu(page)
        page.get_by_role("heading", name="Confusion matrix").wait_for(timeout=120_000)
        assert entries[0] == "Draw a digit" and "app" not in entries
        assert "Join the class" not in entries  # the phone page is reached by its QR code only
        sections = page.locator("[data-testid=stNavSectionHeader]").all_inner_texts()
        assert sections == ["Draw", "Inside the network", "How well it does", "Teaching"]
        assert browser.page_errors(page) == []


def test_a_browser_that_prefers_portuguese_gets_the_app_in_portuguese(app_url, new_context):
    page = new_context(locale="pt-BR", extra_http_headers={"Accept-Language": "pt-BR,pt;q=0.9"}).new_page()
    page.goto(app_url)
    browser.drawing_surface(page)
    title, menu_title = in_language("Draw a digit", "pt-BR"), in_language("Inside the network", "pt-BR")
    assert title != "Draw a digit"
    page.get_by_role("heading", name=title).wait_for(timeout=30_000)
    assert menu_title in page.locator("[data-testid=stNavSectionHeader]").all_inner_texts()
    # A shared link in English wins over the browser's language.
    page.goto(f"{app_url}/?lang=en")
    page.get_by_role("heading", name="Draw a digit").wait_for(timeout=30_000)


def test_a_page_opened_from_the_menu_keeps_the_links_language_when_reloaded(app_url, page):
    """A projector's or a phone's reload must not switch a Portuguese class to the browser's English."""
    page.goto(f"{app_url}/?lang=pt-BR")
    browser.drawing_surface(page)
    browser.open_from_menu(page, "Confusion_matrix")
    page.wait_for_url("**/Confusion_matrix?lang=pt-BR", timeout=30_000)
    page.reload()
    page.get_by_role("heading", name=in_language("Confusion matrix", "pt-BR")).wait_for(timeout=60_000)
    assert browser.page_errors(page) == []


def test_no_page_asks_the_browser_for_anything_from_another_server(app_url, page):
    """The app works offline: not a font, an icon or a script from elsewhere, on any page."""
    elsewhere = []

    def note(request) -> None:
        address = urlsplit(request.url)
        if address.scheme in ("http", "https", "ws", "wss") and address.netloc != urlsplit(app_url).netloc:
            elsewhere.append(request.url)

    page.on("request", note)
    page.goto(app_url)
    browser.drawing_surface(page)
    browser.draw_stroke(page, browser.DIGIT_STROKES[7][0])
    browser.prediction_text(page)
    for path in ("Write_a_number", "Explain", "Feature_maps", "Confusion_matrix", "Compare_models", "Classroom", ""):
        browser.open_from_menu(page, path)
    icon = page.evaluate("document.querySelector(\"link[rel='shortcut icon']\").href")
    assert icon.startswith(app_url), icon
    assert elsewhere == []
    assert browser.page_errors(page) == []
