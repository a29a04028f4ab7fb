"""The app's pages and the session's language: what `app.py` sets up before any page runs.

Kept light (Streamlit and the message catalogs, no Keras): the menu reaches the browser before a page imports
anything heavy, so a link to any page opens with the right menu even on the server's first run.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import NamedTuple

import streamlit as st
from PIL import Image, ImageDraw, ImageFont

from digitlab import i18n
from digitlab.classroom.joining import JOIN_PATH
from digitlab.config import ACCENT, FONT_PATH, STATE_LANGUAGE
from digitlab.i18n import N_, _

# Not "pages/": next to the script `streamlit run` starts, a folder of that name turns on Streamlit's older
# multipage mode, which runs a page linked to directly without this router (its menu then lists "app" and every
# file, the hidden ones too) until some session happens to open the main page.
PAGES_DIR = Path(__file__).resolve().parent.parent / "app_pages"
# The query parameter that picks the language of a shared link: ?lang=pt-BR, ?lang=en.
LANGUAGE_PARAMETER = "lang"
# True once the session's language was picked by a link's ?lang= or the sidebar's switch: its pages keep it there.
_LANGUAGE_IN_ADDRESS = "_language_in_address"


class Page(NamedTuple):
    file: str  # in PAGES_DIR
    title: str  # English, marked for translation
    icon: str
    section: str  # English, marked for translation


PAGES = (
    Page("0_Draw_a_digit.py", N_("Draw a digit"), ":material/draw:", N_("Draw")),
    Page("1_Write_a_number.py", N_("Write a number"), ":material/123:", N_("Draw")),
    Page("2_Explain.py", N_("Explain"), ":material/psychology:", N_("Draw")),
    Page("3_Feature_maps.py", N_("Feature maps"), ":material/layers:", N_("Inside the network")),
    Page("4_Pooling.py", N_("Pooling"), ":material/grid_view:", N_("Inside the network")),
    Page("5_Filters.py", N_("Filters"), ":material/filter_alt:", N_("Inside the network")),
    Page("6_Confusion_matrix.py", N_("Confusion matrix"), ":material/grid_on:", N_("How well it does")),
    Page("7_Compare_models.py", N_("Compare models"), ":material/compare_arrows:", N_("How well it does")),
    Page("8_Classroom.py", N_("Classroom"), ":material/groups:", N_("Teaching")),
)
# The student's phone page of classroom mode, opened from the Classroom page's QR code, not from the menu.
JOIN_PAGE = Page("Join_the_class.py", N_("Join the class"), ":material/how_to_reg:", "")


@cache
def app_icon(side: int = 64) -> Image.Image:
    """The browser tab's icon: a drawn 7 on the app's colour. Made here, not a Material icon: the browser would
    fetch that one from Google's servers, and the app makes no outbound calls."""
    icon = Image.new("RGBA", (side, side))
    draw = ImageDraw.Draw(icon)
    draw.rounded_rectangle((0, 0, side - 1, side - 1), radius=side // 5, fill=ACCENT)
    font = ImageFont.truetype(FONT_PATH, round(side * 0.8))
    draw.text((side / 2, side / 2), "7", font=font, fill="white", anchor="mm", stroke_width=side // 32,
              stroke_fill="white")  # fmt: skip
    return icon


def page_title(file: str) -> str:
    """The title of the page in PAGES_DIR/`file`, in the session's language."""
    return _(next(page.title for page in (*PAGES, JOIN_PAGE) if page.file == file))


def page_path(file: str) -> str:
    """The page `file` of PAGES_DIR as `st.page_link` and `st.switch_page` name it (relative to app.py)."""
    return f"{PAGES_DIR.name}/{file}"


def use_language() -> str:
    """Set the language of this script run and return it: the link's `?lang=`, else the session's choice, else
    the browser's preferred language, else English."""
    asked = st.query_params.get(LANGUAGE_PARAMETER)
    if asked:
        st.session_state[STATE_LANGUAGE] = i18n.best_language(asked)
        st.session_state[_LANGUAGE_IN_ADDRESS] = True
    elif st.session_state.get(STATE_LANGUAGE) not in i18n.languages():
        st.session_state[STATE_LANGUAGE] = i18n.best_language(_browser_locale())
    elif st.session_state.get(_LANGUAGE_IN_ADDRESS):
        # A page opened from the menu has an address without the link's or the switch's ?lang=: put it back, or a
        # reload (a projector's, a phone's) would open that page in the browser's language.
        st.query_params[LANGUAGE_PARAMETER] = address_language(st.session_state[STATE_LANGUAGE])
    i18n.set_language(st.session_state[STATE_LANGUAGE])
    return st.session_state[STATE_LANGUAGE]


def address_language(code: str) -> str:
    """A catalog's language code as ?lang= writes it: "pt_BR" -> "pt-BR"."""
    return code.replace("_", "-")


def _browser_locale() -> str | None:
    try:
        return st.context.locale
    except (AttributeError, RuntimeError):  # no browser behind this run (AppTest, bare mode)
        return None


def _session_language() -> str | None:
    """The language a run chose, for the parts that run without the page around them (a fragment's rerun)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    return st.session_state.get(STATE_LANGUAGE) if get_script_run_ctx() is not None else None


i18n.set_fallback(_session_language)


_LANGUAGE_WIDGET = "_language_choice"


def language_switch() -> None:
    """The sidebar's language picker, each language named in itself; the choice also goes into the address, so
    the address is a link in that language."""
    spoken = i18n.languages()
    # Widgets forget their value on another page, so this one is re-seeded from the session-state key each run.
    st.session_state[_LANGUAGE_WIDGET] = i18n.language()
    st.sidebar.segmented_control(
        "Language · Idioma",
        list(spoken),
        format_func=spoken.__getitem__,
        required=True,
        key=_LANGUAGE_WIDGET,
        on_change=_choose_language,
    )


def _choose_language() -> None:
    chosen = st.session_state[_LANGUAGE_WIDGET]
    st.session_state[STATE_LANGUAGE] = chosen
    st.session_state[_LANGUAGE_IN_ADDRESS] = True
    st.query_params[LANGUAGE_PARAMETER] = address_language(chosen)


def run() -> None:
    """Name the pages in the session's language, draw the menu, then run the page the address asks for."""
    use_language()
    st.set_page_config(page_title="DigitLab", page_icon=app_icon(), layout="wide")
    sections: dict[str, list] = {}
    for page in PAGES:
        st_page = st.Page(PAGES_DIR / page.file, title=_(page.title), icon=page.icon, default=page is PAGES[0])
        sections.setdefault(_(page.section), []).append(st_page)
    join = st.Page(PAGES_DIR / JOIN_PAGE.file, title=_(JOIN_PAGE.title), url_path=JOIN_PATH, visibility="hidden")
    sections[_(PAGES[-1].section)].append(join)
    chosen = st.navigation(sections)
    from digitlab import charts  # imported once the menu is on its way: it brings Altair

    # The pages' style, above every page and in the same place in every run, so it stays through a switch of page.
    # Drawn by each page, it went with the old page, and for a few frames the type and the sidebar fell back to
    # Streamlit's own sizes (on a projector, a flash of small type; the sidebar eased back to its width).
    st.markdown(charts.PAGE_CSS, unsafe_allow_html=True)
    language_switch()
    from digitlab import ui  # imported once the menu is on its way: it brings Keras

    ui.teacher_key()  # made and printed in the terminal as the app first runs, unless the secrets set one
    chosen.run()
