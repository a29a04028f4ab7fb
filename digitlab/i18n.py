"""The app in English and Brazilian Portuguese: gettext message catalogs managed with Babel, and numbers and
percentages written the way each language writes them.

Every text a person reads is written in English in the code and wrapped in `_()` (`ngettext()` where it
depends on a count); the catalogs under `digitlab/locale/` hold the translations. The language of the session
running now is set once per script run (`set_language`, called by `digitlab.ui.start_page`), so the same code
serves every session in its own language.

Adding a language is a change of catalogs only (see docs/translating.md):

    pybabel extract -F babel.cfg -o digitlab/locale/digitlab.pot .
    pybabel init -i digitlab/locale/digitlab.pot -d digitlab/locale -D digitlab -l es
    (translate digitlab/locale/es/LC_MESSAGES/digitlab.po)
    pybabel compile -d digitlab/locale -D digitlab
"""

from __future__ import annotations

import gettext
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache, wraps
from pathlib import Path
from typing import TypeVar

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal, format_percent, get_decimal_symbol, get_group_symbol

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "digitlab"
SOURCE_LANGUAGE = "en"
# The language each session starts in when its browser asks for none that the app speaks.
DEFAULT_LANGUAGE = SOURCE_LANGUAGE

T = TypeVar("T")
_current: ContextVar[str | None] = ContextVar("language", default=None)
# Where a run that did not set its language (a Streamlit fragment rerunning on its own thread) finds it.
_fallback: Callable[[], str | None] | None = None


def N_(message: str) -> str:
    """Mark `message` for translation where it is defined, to be translated with `_` where it is shown."""
    return message


@cache
def languages() -> dict[str, str]:
    """{language code: its name in that language}: English and every language with a compiled catalog."""
    catalogs = LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")
    codes = [SOURCE_LANGUAGE, *sorted(path.parent.parent.name for path in catalogs)]
    names = {code: Locale.parse(code).get_display_name(code) for code in codes}
    return {code: name[:1].upper() + name[1:] for code, name in names.items()}


def best_language(requested: str | None) -> str:
    """The language the app speaks that best matches a browser's or a link's ("pt-BR", "pt", "en-US", ...)."""
    spoken = languages()
    if not requested:
        return DEFAULT_LANGUAGE
    try:
        wanted = Locale.parse(requested.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return DEFAULT_LANGUAGE
    exact = f"{wanted.language}_{wanted.territory}" if wanted.territory else wanted.language
    if exact in spoken:
        return exact
    same_language = [code for code in spoken if code.split("_")[0] == wanted.language]
    return same_language[0] if same_language else DEFAULT_LANGUAGE


def set_language(code: str) -> None:
    """Speak `code` (a key of `languages()`) in the script run now."""
    _current.set(code)


def set_fallback(source: Callable[[], str | None]) -> None:
    """Ask `source` for the language of a run that did not set one."""
    global _fallback
    _fallback = source


def language() -> str:
    """The language of the script run now."""
    code = _current.get() or (_fallback() if _fallback else None)
    return code if code in languages() else DEFAULT_LANGUAGE


@contextmanager
def speaking(code: str) -> Iterator[None]:
    """Speak `code` (as ?lang= names it: "pt-BR", or a catalog's code: "pt_BR") inside the block, and the language
    spoken before it after it."""
    before = _current.get()
    _current.set(best_language(code))
    try:
        yield
    finally:
        _current.set(before)


def in_this_language(make: Callable[[], T]) -> Callable[[], T]:
    """`make`, to be called later and elsewhere, speaking the language of the script run now: for work Streamlit
    runs on its own thread outside any script run, such as a download's file made when it is clicked."""
    code = language()

    @wraps(make)
    def made() -> T:
        with speaking(code):
            return make()

    return made


@cache
def _translation(code: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[code], fallback=True)


def _(message: str) -> str:
    """`message` (English) in the language of the script run now."""
    return _translation(language()).gettext(message)


class Deferred(str):
    """An English text marked with `N_`, and the fields of its placeholders, that becomes the language of the script
    run that shows it (through `str()`): for text made outside that run, such as a cached function's spinner text,
    given where the function is defined, or a background job's progress, which any session may show."""

    fields: dict

    def __new__(cls, message: str, **fields) -> Deferred:
        text = super().__new__(cls, message)
        text.fields = fields
        return text

    def __str__(self) -> str:
        translated = _(str.__str__(self))
        return translated.format(**self.fields) if self.fields else translated


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form of a message, for `count`, in the language of the script run now."""
    return _translation(language()).ngettext(singular, plural, count)


def a_digit(digit: int) -> str:
    """A digit with its indefinite article, as a sentence needs it: "a 7", "an 8" ("um 7", "um 8")."""
    return (_("an {digit}") if str(digit).startswith("8") else _("a {digit}")).format(digit=digit)


def percent(value: float, decimals: int = 1) -> str:
    """A share (0.9953) as a percentage in the language of the script run now: "99.5%", "99,5%"."""
    return format_percent(value, format="#,##0." + "0" * decimals + "%" if decimals else "#,##0%", locale=language())


def number(value: float, decimals: int = 0) -> str:
    """A number with the thousands and decimal separators of the language of the script run now."""
    return format_decimal(value, format="#,##0." + "0" * decimals if decimals else "#,##0", locale=language())


def significant(value: float, digits: int = 3) -> str:
    """A number to at most `digits` significant digits, in the language of the script run now: "0.108", "0,108"."""
    # Babel writes zero to significant digits as "0.0".
    return number(0) if value == 0 else format_decimal(value, format="@" + "#" * (digits - 1), locale=language())


def decimal_symbol() -> str:
    """The decimal symbol of the language of the script run now: "." in English, "," in Portuguese."""
    return get_decimal_symbol(language())


@cache
def _chart_locale(code: str) -> dict:
    return {
        "number": {
            "decimal": get_decimal_symbol(code),
            "thousands": get_group_symbol(code),
            "grouping": [3],
            "currency": ["", ""],
        }
    }


def chart_locale() -> dict:
    """The number locale of a Vega-Lite chart (its `config.locale`) in the language of the script run now: a chart
    formats its axes and tooltips itself, in the browser, as "99,5%" in Portuguese."""
    return _chart_locale(language())
