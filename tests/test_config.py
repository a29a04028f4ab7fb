"""Constants that must agree with files outside the package."""

import tomllib

from digitlab.config import ACCENT, ROOT_DIR, hex_to_rgb


def test_the_theme_uses_the_accent_colour():
    theme = tomllib.loads((ROOT_DIR / ".streamlit" / "config.toml").read_text())["theme"]
    assert theme["primaryColor"] == ACCENT


def test_hex_colours_convert_to_rgb():
    assert hex_to_rgb("#e4572e") == (228, 87, 46) and hex_to_rgb("000000") == (0, 0, 0)
