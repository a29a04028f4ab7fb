"""The app in English and Brazilian Portuguese: the catalogs cover every message in the code, numbers follow the
language, and the language follows the link, the session's choice and the browser."""

import gettext
import io
import re
import string
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from digitlab import activations, charts, evaluate, i18n, navigation, ui
from digitlab.config import ROOT_DIR, STATE_LANGUAGE, STATE_TEACHER
from tests.conftest import APP, run_page

PORTUGUESE = "pt_BR"
CATALOG = i18n.LOCALE_DIR / PORTUGUESE / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"


def code_messages() -> set:
    """Every message the code marks for translation, extracted as `pybabel extract -F babel.cfg` does: msgids, and
    (singular, plural) pairs for ngettext."""
    method_map, options_map = parse_mapping_cfg(io.StringIO((ROOT_DIR / "babel.cfg").read_text()))
    found = extract_from_dir(str(ROOT_DIR), method_map, options_map)
    return {message if isinstance(message, str) else tuple(message) for _file, _line, message, *_ in found}


def portuguese() -> dict:
    """{msgid: msgstr} of the Portuguese catalog, fuzzy entries left out; a plural message under its singular, with
    a tuple of its forms."""
    with CATALOG.open("rb") as file:
        catalog = read_po(file)
    return {
        message.id[0] if isinstance(message.id, tuple) else message.id: message.string
        for message in catalog
        if message.id and not message.fuzzy
    }


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.fixture
def language():
    """Speak a language in this test only."""
    yield i18n.set_language
    i18n.set_language(i18n.DEFAULT_LANGUAGE)


def test_every_message_in_the_code_has_a_portuguese_translation():
    messages, translated = code_messages(), portuguese()
    assert len(messages) > 300  # the extraction found the app's texts, not an empty tree
    keys = {message[0] if isinstance(message, tuple) else message for message in messages}
    missing = sorted(key for key in keys if not translated.get(key) or not all(translated[key]))
    assert missing == [], f"{len(missing)} messages without a translation; run pybabel update (docs/translating.md)"


def test_translations_keep_every_placeholder_and_no_catalog_entry_is_stale():
    with CATALOG.open("rb") as file:
        catalog = read_po(file)
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        # A placeholder the English lacks would fail to format; a plural's forms may each use some of the English
        # forms' placeholders ("one stroke", "{n} strokes").
        english = set().union(*map(placeholders, ids))
        for text in strings:
            assert placeholders(text) <= english if len(ids) > 1 else placeholders(text) == english, (ids, text)
    keys = {message[0] if isinstance(message, tuple) else message for message in code_messages()}
    assert sorted(set(portuguese()) - keys) == [], "messages no longer in the code: run pybabel update"


def test_the_compiled_catalog_is_the_po_file_compiled():
    with (CATALOG.with_suffix(".mo")).open("rb") as file:
        compiled = gettext.GNUTranslations(file)
    for key, value in portuguese().items():
        if isinstance(value, tuple):
            assert compiled.ngettext(key, key, 1) == value[0], key
            continue
        assert compiled.gettext(key) == value, f"{key!r}: run pybabel compile -d digitlab/locale -D digitlab"


def test_the_app_speaks_english_and_brazilian_portuguese():
    assert i18n.languages() == {"en": "English", "pt_BR": "Português (Brasil)"}


@pytest.mark.parametrize(
    ("asked", "spoken"),
    [
        ("pt-BR", "pt_BR"), ("pt_BR", "pt_BR"), ("pt", "pt_BR"), ("pt-PT", "pt_BR"), ("en-US", "en"), ("en", "en"),
        ("de-DE", "en"), ("", "en"), (None, "en"), ("not a language", "en"),
    ],
)  # fmt: skip
def test_a_browser_or_link_language_picks_the_closest_the_app_speaks(asked, spoken):
    assert i18n.best_language(asked) == spoken


def test_numbers_and_percentages_are_written_the_way_each_language_writes_them(language):
    language("en")
    assert (i18n.percent(0.9953, 2), i18n.percent(0.5, 0), i18n.number(9947), i18n.number(2.5, 1)) == (
        "99.53%", "50%", "9,947", "2.5",
    )  # fmt: skip
    language(PORTUGUESE)
    assert (i18n.percent(0.9953, 2), i18n.percent(0.5, 0), i18n.number(9947), i18n.number(2.5, 1)) == (
        "99,53%", "50%", "9.947", "2,5",
    )  # fmt: skip


def test_a_deferred_text_is_said_in_the_language_of_whoever_shows_it(language):
    step = i18n.Deferred(i18n.N_("Learning the class's handwriting: step {step}"), step=3)
    loading = i18n.Deferred(i18n.N_("Loading the model…"))
    language("en")
    assert (str(step), str(loading)) == ("Learning the class's handwriting: step 3", "Loading the model…")
    language(PORTUGUESE)
    assert (str(step), str(loading)) == ("Aprendendo a letra da turma: passo 3", "Carregando o modelo…")


def test_work_made_now_and_run_later_on_another_thread_speaks_the_language_of_now(language):
    language(PORTUGUESE)
    no = i18n.in_this_language(lambda: i18n._("no"))
    language("en")
    with ThreadPoolExecutor(1) as thread:  # as Streamlit makes a download's file: outside any script run
        assert thread.submit(no).result() == "não"
    assert i18n._("no") == "no"  # and the language of whoever called it is left as it was
    with i18n.speaking("pt-BR"):
        assert (i18n._("no"), no()) == ("não", "não")
    assert (i18n._("no"), no()) == ("no", "não")


def test_colour_bars_and_the_pooling_example_write_numbers_the_way_each_language_writes_them(language):
    feature_map = np.arange(16, dtype=np.float32).reshape(4, 4) / 8
    example = activations.pooling_example(feature_map)
    language("en")
    assert (i18n.significant(0.10812), i18n.significant(30.44), i18n.significant(-2.0)) == ("0.108", "30.4", "-2")
    assert ">1.88<" in charts.pooling_html(example)
    language(PORTUGUESE)
    assert (i18n.significant(0.10812), i18n.significant(30.44), i18n.significant(-2.0)) == ("0,108", "30,4", "-2")
    assert ">1,88<" in charts.pooling_html(example) and ">1.88<" not in charts.pooling_html(example)


def test_tables_write_their_numbers_the_way_each_language_writes_them_and_still_sort_by_number(language):
    frame = pd.DataFrame({"accuracy": [0.9953, np.nan], "images": [9947, 12]})
    for code, shown in [("en", ("99.53%", "9,947")), (PORTUGUESE, ("99,53%", "9.947"))]:
        language(code)
        table = ui.local_numbers(frame, percents={"accuracy": 2}, numbers={"images": 0})
        html = table.to_html()
        assert all(f">{text}</td>" in html for text in shown) and ">nan</td>" not in html
        assert table.data.equals(frame)  # the values underneath stay numbers


def test_charts_format_their_numbers_the_way_the_session_writes_them(language):
    """Vega-Lite formats axes and tooltips in the browser: each chart carries the session's number locale."""
    frame = evaluate.confusion_frame(np.eye(10, dtype=int) * 100, normalised=True)
    for code, decimal, thousands in [("en", ".", ","), (PORTUGUESE, ",", ".")]:
        language(code)
        specs = [
            charts.probability_chart(np.full(10, 0.1)),
            charts.confusion_chart(frame).to_dict(),
            charts.norms_chart(np.arange(4, dtype=np.float32), "norm").to_dict(),
        ]
        for spec in specs:
            assert spec["config"]["locale"]["number"] == {
                "decimal": decimal, "thousands": thousands, "grouping": [3], "currency": ["", ""],
            }  # fmt: skip


def test_a_digit_takes_its_article(language):
    language("en")
    assert [i18n.a_digit(digit) for digit in (7, 8, 0)] == ["a 7", "an 8", "a 0"]
    language(PORTUGUESE)
    assert [i18n.a_digit(digit) for digit in (7, 8)] == ["um 7", "um 8"]


def test_plural_messages_follow_the_count(language):
    language(PORTUGUESE)
    one, many = (i18n.ngettext("{n} stroke", "{n} strokes", n).format(n=n) for n in (1, 3))
    assert one != many and one.startswith("1 ") and many.startswith("3 ")


def test_a_language_that_is_not_spoken_falls_back_to_english(language):
    language("xx")
    assert i18n.language() == "en" and i18n._("Draw a digit") == "Draw a digit"


def english_sentences() -> dict[str, str]:
    """{English message: its translation} for messages of three words or more that read differently in Portuguese:
    the ones a page must never show in Portuguese mode."""
    sentences = {}
    for english, value in portuguese().items():
        translated = value[0] if isinstance(value, tuple) else value
        # The message's literal text up to its first placeholder or markup: what a page would show verbatim.
        literal = re.split(r"\{[^}]*\}|\*\*|`|<[^>]+>|\n", english)[0].strip()
        if len(literal.split()) >= 3 and literal not in translated:
            sentences[literal] = translated
    return sentences


# AppTest formats the values of widgets with a format_func (the model picker's titles) in the test's thread, so the
# test speaks the language of the page it drives.


def test_a_link_with_lang_sets_the_language_of_the_session(language):
    app = run_page(APP)
    assert not app.exception and app.title[0].value.endswith("Draw a digit")
    app.query_params["lang"] = "pt-BR"
    app.run()
    assert not app.exception and app.title[0].value.endswith(portuguese()["Draw a digit"])
    assert app.session_state[STATE_LANGUAGE] == PORTUGUESE
    language(PORTUGUESE)
    app.query_params["lang"] = "en"
    app.run()
    assert app.title[0].value.endswith("Draw a digit") and app.session_state[STATE_LANGUAGE] == "en"


def test_the_sidebar_switch_changes_the_language_and_the_address(language):
    app = run_page(APP)
    app.sidebar.segmented_control[0].set_value(PORTUGUESE).run()
    language(PORTUGUESE)
    assert not app.exception and app.title[0].value.endswith(portuguese()["Draw a digit"])
    assert app.query_params["lang"] in ("pt-BR", ["pt-BR"])
    # Another page of the same session keeps the language.
    app.switch_page("app_pages/6_Confusion_matrix.py").run()
    assert app.title[0].value.endswith(portuguese()["Confusion matrix"])


# --- Every page, in Portuguese ----------------------------------------------------------------------------------


def shown_strings(node) -> list[str]:
    """Every string of every element a page sent, widgets' labels, options and help, and chart specs included."""
    found = []
    proto = getattr(node, "proto", None)
    if proto is not None and hasattr(proto, "ListFields"):
        found += proto_strings(proto)
    for child in getattr(node, "children", {}).values():
        found += shown_strings(child)
    return found


def proto_strings(message) -> list[str]:
    found = []
    for field, value in message.ListFields():
        values = value if field.is_repeated else [value]
        for item in values:
            if isinstance(item, str):
                found.append(item)
            elif hasattr(item, "ListFields"):
                found += proto_strings(item)
    return found


def seven_state() -> dict:
    from bench.browser import DIGIT_STROKES
    from digitlab.config import STATE_CANVAS_JSON, STATE_CANVAS_RGBA, STATE_IMAGE
    from digitlab.drawing import Stroke
    from digitlab.reading import read_drawing
    from tests.conftest import drawing_state

    state = drawing_state([Stroke(np.array(points, dtype=float), 18.0) for points in DIGIT_STROKES[7]])
    return {**state, STATE_IMAGE: read_drawing(state[STATE_CANVAS_RGBA], state[STATE_CANVAS_JSON]).image}


def number_state() -> dict:
    from digitlab.config import NUMBER_CANVAS, NUMBER_CANVAS_SHAPE
    from tests.conftest import drawing_state, number_paths

    return drawing_state(number_paths("407"), NUMBER_CANVAS_SHAPE, NUMBER_CANVAS)


@pytest.fixture
def lesson(tmp_path, monkeypatch):
    """Secrets of a class database holding right and misread drawings, and a teacher's session."""
    import sqlalchemy as sa

    from digitlab import config
    from digitlab.classroom import store
    from tests.conftest import class_drawing

    monkeypatch.setattr(config, "CLASSROOM_DIR", tmp_path / "class")
    url = f"sqlite:///{tmp_path / 'classroom.sqlite'}"
    engine = sa.create_engine(url)
    store.prepare(engine)
    for index, (prompt, answer) in enumerate([(7, 7), (3, 3), (9, 3), (1, 7), (4, 4), (8, 8)]):
        store.add_drawing(engine, class_drawing(prompt, answer, student=f"s{index}"))
    engine.dispose()
    return {"connections": {"classroom": {"url": url}}, "classroom": {"teacher_key": "KEY", "join_url": "http://x"}}


@pytest.mark.parametrize("page", [*navigation.PAGES, navigation.JOIN_PAGE], ids=lambda page: page.file)
def test_no_page_shows_an_english_sentence_in_portuguese(page, lesson, language):

    language(PORTUGUESE)
    state = {STATE_LANGUAGE: PORTUGUESE, STATE_TEACHER: True, **seven_state(), **number_state()}
    app = run_page(navigation.PAGES_DIR / page.file, lesson, **state)
    assert not app.exception, app.exception
    shown = "\n".join(shown_strings(app._tree))
    english = [sentence for sentence in english_sentences() if sentence in shown]
    assert english == [], f"{page.file} shows English in Portuguese mode: {english}"


@pytest.mark.parametrize("page", [*navigation.PAGES, navigation.JOIN_PAGE], ids=lambda page: page.file)
def test_every_page_reads_the_same_in_english_with_its_sentences(page, lesson):
    state = {STATE_TEACHER: True, **seven_state(), **number_state()}
    app = run_page(navigation.PAGES_DIR / page.file, lesson, **state)
    assert not app.exception, app.exception
    shown = "\n".join(shown_strings(app._tree))
    # The check above is only as good as the sentences it looks for: each page shows several of them in English.
    assert sum(sentence in shown for sentence in english_sentences()) >= 3
