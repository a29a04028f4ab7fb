"""`python -m bench.harness_check`: does the drawn-digit harness read drawings the way the browser delivers them?

Draws development digits on the real draw page in headless Chromium with the mouse, through exactly the
pointer positions the harness emulates (`digitlab.drawn.canvas.draw_on_canvas`), and captures the 28x28
image the page feeds the model (the "what the model sees" input, as shown) and the page's answer. Beside it,
the harness reads the same drawing in process. Prints how well the two agree: image correlation, largest pixel
difference, the same answer, and the accuracy of each.

    python -m bench.harness_check --digits 100            # every condition the draw page can be drawn in
"""

from __future__ import annotations

import argparse
import io
import os
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
from PIL import Image

from bench import browser
from bench.report import machine_description
from digitlab.config import IMAGE_SIZE, PENDIGITS_PATH, ROOT_DIR
from digitlab.drawn.canvas import CONDITIONS, draw_on_canvas, jitter_params, pointer_strokes
from digitlab.drawn.drawings import PenDrawing, every_kth
from digitlab.drawn.harness import READERS
from digitlab.drawn.pendigits import load_pendigits
from digitlab.model import load_model, predict_proba

# The conditions a person can draw on the real page: sizes and places with the default pen. (Pen widths and
# colours change the picture, not the strokes the draw page reads.)
BROWSER_CONDITIONS = ("centred", "large", "small_corner", "off_centre")
INPUT_CAPTION = "Centred by mass in 28×28: the input"
RESET_TITLE = "Reset canvas & history"
VIEWPORT = {"width": 1400, "height": 1100}
SETTLE_MS = 400


@dataclass
class Agreement:
    """Per drawing: the image correlation, the largest pixel difference, both answers and the label."""

    correlations: list[float] = field(default_factory=list)
    largest_differences: list[float] = field(default_factory=list)
    browser_answers: list[int] = field(default_factory=list)
    harness_answers: list[int] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)

    def add(self, browser_image: np.ndarray, harness_image: np.ndarray, browser: int, harness: int, label: int):
        self.correlations.append(float(np.corrcoef(browser_image.ravel(), harness_image.ravel())[0, 1]))
        self.largest_differences.append(float(np.abs(browser_image - harness_image).max()))
        self.browser_answers.append(browser)
        self.harness_answers.append(harness)
        self.labels.append(label)

    def summary(self) -> dict:
        labels = np.array(self.labels)
        return {
            "drawings": len(labels),
            "median correlation": float(np.median(self.correlations)),
            "lowest correlation": float(np.min(self.correlations)),
            "median largest pixel difference": float(np.median(self.largest_differences)),
            "same answer": float(np.mean(np.array(self.browser_answers) == np.array(self.harness_answers))),
            "browser accuracy": float(np.mean(np.array(self.browser_answers) == labels)),
            "harness accuracy": float(np.mean(np.array(self.harness_answers) == labels)),
        }


def draw_in_browser(page, strokes: list[np.ndarray]) -> None:
    """Move the mouse through each stroke's pointer positions, pressed, one position per mouse event."""
    box = browser.drawing_surface(page).bounding_box()
    for stroke in strokes:
        page.mouse.move(box["x"] + stroke[0][0], box["y"] + stroke[0][1])
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(box["x"] + x, box["y"] + y)
        page.mouse.up()


def shown_input(page) -> np.ndarray:
    """The model input the page shows, float32 (28, 28) in [0, 1] (it is shown enlarged with hard pixel edges)."""
    figure = page.locator("[data-testid='stImageContainer']", has_text=INPUT_CAPTION)
    source = figure.locator("img").get_attribute("src")
    png = page.request.get(source if source.startswith("http") else page.url.rstrip("/") + source).body()
    shown = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=np.float32) / 255.0
    factor = shown.shape[0] // IMAGE_SIZE
    return shown[factor // 2 :: factor, factor // 2 :: factor][:IMAGE_SIZE, :IMAGE_SIZE]


def check(digits: list[PenDrawing], seed: int = 0) -> dict[str, Agreement]:
    """Draw every digit under each browser condition in Chromium and in the harness; {condition: Agreement}."""
    model = load_model()
    classify = partial(predict_proba, model)
    results = {condition: Agreement() for condition in BROWSER_CONDITIONS}
    with browser.running_app() as (url, _process), browser.chromium() as chromium:
        page = chromium.new_context(viewport=VIEWPORT).new_page()
        page.goto(url)
        browser.drawing_surface(page)
        for index, (condition, agreement) in enumerate(results.items()):
            rng = np.random.default_rng([seed, index])
            for digit in digits:
                params = jitter_params(CONDITIONS[condition], rng)
                harness = READERS["draw page"](draw_on_canvas(digit, **params))
                draw_in_browser(page, [stroke.points for stroke in pointer_strokes(digit, **params)])
                browser.wait_for_new_prediction(page, "")
                # Each stroke reruns the page: let the last stroke's rerun start, then finish.
                page.wait_for_timeout(SETTLE_MS)
                browser.wait_until_idle(page)
                text = browser.prediction_text(page)
                agreement.add(
                    shown_input(page),
                    harness.image,
                    browser.predicted_digit(text),
                    int(classify(harness.image[None])[0].argmax()),
                    digit.label,
                )
                page.get_by_title(RESET_TITLE).click()
                page.locator(browser.PREDICTION_SELECTOR).wait_for(state="detached")
    return results


def format_table(results: dict[str, Agreement]) -> str:
    """Markdown: one row per condition and one for all, with each agreement measure."""
    everything = Agreement()
    for agreement in results.values():
        for name in vars(everything):
            getattr(everything, name).extend(getattr(agreement, name))
    rows = {**results, "**all**": everything}
    header = (
        "| condition | drawings | median image correlation | lowest | median largest pixel difference | same answer "
        "| accuracy in the browser | accuracy in the harness |"
    )
    lines = [header, "|" + " --- |" * 8]
    for name, agreement in rows.items():
        s = agreement.summary()
        lines.append(
            f"| {name} | {s['drawings']} | {s['median correlation']:.4f} | {s['lowest correlation']:.4f} | "
            f"{s['median largest pixel difference']:.3f} | {s['same answer']:.1%} | {s['browser accuracy']:.1%} | "
            f"{s['harness accuracy']:.1%} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench.harness_check", description=__doc__.splitlines()[0])
    parser.add_argument("--digits", type=int, default=100, help="development digits drawn, spread over the conditions")
    parser.add_argument("--pendigits", type=Path, default=PENDIGITS_PATH)
    parser.add_argument("--output", type=Path, help="also write the table to this file")
    args = parser.parse_args(argv)
    digits = load_pendigits(args.pendigits)
    per_condition = -(-args.digits // len(BROWSER_CONDITIONS))
    digits = every_kth(digits, max(1, len(digits) // per_condition))[:per_condition]
    started = time.perf_counter()
    table = format_table(check(digits))
    text = (
        f"Harness against the real canvas: {len(digits)} development digits under each of {len(BROWSER_CONDITIONS)} "
        "conditions drawn in Chromium with "
        f"the mouse ({time.perf_counter() - started:.0f} s). {machine_description()}\n\n{table}"
    )
    print(text)
    if args.output:
        args.output.write_text(text)
    return text


if __name__ == "__main__":
    os.chdir(ROOT_DIR)
    main()
