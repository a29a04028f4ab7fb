"""Run every DigitLab benchmark beside the tutorial approach and print the results as a Markdown table.

python -m bench                      # the full run, under ten minutes on a 2-core machine
python -m bench --quick              # every part on tiny sizes: a smoke test of this code
python -m bench --models             # every bundled model on the drawn digits: writes model/zoo/benchmark.json
python -m bench --numbers            # only part 10: whole numbers on the Write a number page's canvas
python -m bench --output bench/RESULTS.md --pendigits ../shared/data/pendigits/pendigits-orig.tra
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench import explanations, inprocess, numbers, strokes
from bench.report import (
    Row,
    format_p50_p95,
    format_ratio,
    machine_description,
    markdown_table,
    percentiles,
)
from bench.tutorial import TUTORIAL_APP, TUTORIAL_BACKEND, TUTORIAL_SERVER_OPTIONS
from digitlab import explain
from digitlab.config import KERAS_MNIST_PATH, PENDIGITS_PATH, ROOT_DIR
from digitlab.evaluate import confused_pairs

MB = 1e6
# Targets: what a drawing app on a laptop must reach.
LATENCY_TARGET_MS = 3.0
SPEED_UP_TARGET = 20.0
STROKE_TARGET_MS = 250.0
COLD_START_TARGET_S = 12.0
RSS_TARGET_BYTES = 800 * MB
# A class of 30 on one laptop: the server's work per stroke, and a class's answers.
STROKE_CPU_TARGET_MS = 30.0
CLASS_P50_TARGET_MS = 300.0
CLASS_P95_TARGET_MS = 1000.0
CLASS_RSS_TARGET_BYTES = 1000 * MB
# Classroom mode: 30 phones sending at once get their answers within this.
PHONE_P95_TARGET_MS = 3000.0
# "Flat" memory: less growth than this over the prediction loop.
RSS_GROWTH_TOLERANCE_BYTES = 20 * MB
# Accuracy goals: right on drawn digits without losing MNIST.
DRAWN_TARGET = 0.98
MNIST_TARGET = 0.995
# The Explain page: quick enough to follow a drawing, and its nearest-digit indexes small beside the models.
EXPLAIN_TARGET_MS = 200.0
INDEX_TARGET_BYTES = 5 * MB


@dataclass(frozen=True)
class Sizes:
    """How much of each part to run."""

    latency_runs: int
    strokes: int
    sessions: int
    strokes_per_session: int
    memory_predictions: int
    mnist_limit: int | None
    pendigits_every: int
    pendigits_limit: int | None
    tutorial_in_browser: bool
    cpu_strokes: int
    class_sessions: int
    class_seconds: float
    phones: int
    phone_rounds: int
    page_runs: int
    explained_limit: int | None
    numbers_per_length: int


FULL = Sizes(200, 20, 8, 3, 1000, None, 10, None, True, 20, 30, 60.0, 30, 3, 30, None, 300)
# The tutorial app is not started in quick mode: a second cold server would double the browser part.
QUICK = Sizes(10, 2, 2, 1, 20, 200, 250, 20, False, 3, 2, 4.0, 2, 1, 2, 10, 2)
# A class: every person draws a stroke this often.
CLASS_INTERVAL_S = 2.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="run every part on tiny sizes (a smoke test)")
    parser.add_argument("--output", type=Path, help="also write the Markdown table to this file")
    parser.add_argument("--pendigits", type=Path, default=PENDIGITS_PATH, help="the pen-drawn digits (UNIPEN)")
    parser.add_argument("--every", type=int, help="drawn digits: use every k-th digit of each writer")
    parser.add_argument("--no-browser", action="store_true", help="skip the browser parts (2, 3, 5, server RSS)")
    parser.add_argument(
        "--models",
        action="store_true",
        help="instead: drawn-digit accuracy and time per prediction of every bundled model (the Compare models "
        "page's numbers), written to model/zoo/benchmark.json (--models-output)",
    )
    parser.add_argument("--models-output", type=Path, help="where --models writes its JSON")
    parser.add_argument(
        "--numbers",
        action="store_true",
        help="instead: only part 10, whole numbers written on the Write a number page's canvas and read with "
        "read_number (what to rerun after retraining the model)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> str:
    args = parse_args(argv)
    sizes = QUICK if args.quick else FULL
    every = args.every or sizes.pendigits_every
    started = time.perf_counter()
    machine = machine_description()
    if args.models:
        return compare_models(args, every, sizes, machine, started)
    durations: dict[str, float] = {}
    rows: list[Row] = []
    notes: list[str] = []

    from digitlab.model import load_model

    model = load_model()
    if args.numbers:
        with timed(durations, "numbers"):
            rows += numbers.number_rows(
                numbers.measure_numbers(model, args.pendigits, sizes.numbers_per_length), args.pendigits, notes
            )
        return finish(args, rows, notes, durations, machine, started)
    canvases = inprocess.sample_canvases()
    with timed(durations, "in process"):
        latency = inprocess.measure_latency(model, canvases, sizes.latency_runs)
        rows += latency_rows(latency)
    if args.no_browser:
        notes.append("Browser parts skipped (--no-browser).")
    else:
        from bench import inbrowser

        with timed(durations, "browser"):
            ours = inbrowser.measure_app("app.py", sizes.strokes, sizes.sessions, sizes.strokes_per_session)
            theirs = inbrowser.AppRun()
            if sizes.tutorial_in_browser:
                theirs = inbrowser.measure_app(
                    TUTORIAL_APP, sizes.strokes, sizes.sessions, sizes.strokes_per_session,
                    backend=TUTORIAL_BACKEND, options=TUTORIAL_SERVER_OPTIONS,
                )  # fmt: skip
        rows += browser_rows(ours, theirs)
        notes += error_notes({"DigitLab": ours, "Tutorial": theirs})
        with timed(durations, "per stroke and class"):
            apps = {"DigitLab": ("app.py", None, ())}
            if sizes.tutorial_in_browser:
                apps["Tutorial"] = (TUTORIAL_APP, TUTORIAL_BACKEND, TUTORIAL_SERVER_OPTIONS)
            costs = {name: strokes.server_cpu_per_stroke(app, sizes.cpu_strokes, backend, options)
                     for name, (app, backend, options) in apps.items()}  # fmt: skip
            classes = {
                name: strokes.drawing_class(
                    app, sizes.class_sessions, sizes.class_seconds, CLASS_INTERVAL_S, backend, options
                )
                for name, (app, backend, options) in apps.items()
            }
            replayed = {
                name: strokes.replayed_class(
                    app, sizes.class_sessions, sizes.class_seconds, CLASS_INTERVAL_S, backend, options
                )
                for name, (app, backend, options) in apps.items()
            }
        rows += stroke_cost_rows(costs) + class_rows(classes, "in one Chromium beside the server")
        rows += class_rows(replayed, "the server alone, each session replaying a browser's messages")
        notes += class_notes(classes) + class_notes(replayed, "replayed class")
        with timed(durations, "classroom"):
            from bench import classroom

            with tempfile.TemporaryDirectory() as folder:
                student_cost = strokes.server_cpu_per_stroke(
                    "app.py", sizes.cpu_strokes, path="join", env={"DIGITLAB_CLASSROOM_DIR": folder}
                )
            phones = classroom.sending_class(sizes.phones, sizes.phone_rounds)
        rows += classroom_rows(phones, student_cost, costs["DigitLab"])
        notes += [f"Classroom: {len(phones.errors)} errors, e.g. {'; '.join(phones.errors[:3])[:400]}"] * bool(
            phones.errors
        )
    with timed(durations, "memory"):
        rows.append(growth_row(*inprocess.memory_growth(model, canvases, sizes.memory_predictions), sizes))
    with timed(durations, "accuracy"):
        rows += mnist_rows(inprocess.mnist_accuracy(model, sizes.mnist_limit), notes)
        drawn = inprocess.drawn_accuracy(model, args.pendigits, every, sizes.pendigits_limit)
        rows += drawn_rows(drawn, args.pendigits, notes)
    with timed(durations, "explain"):
        times = explanations.page_times(canvases, sizes.page_runs)
        explained = explanations.agreement(model, args.pendigits, every, sizes.explained_limit)
        rows += explain_rows(times, explained, explanations.index_sizes(), latency.model, notes)
    with timed(durations, "numbers"):
        run = numbers.measure_numbers(model, args.pendigits, sizes.numbers_per_length)
        rows += numbers.number_rows(run, args.pendigits, notes)
    return finish(args, rows, notes, durations, machine, started)


def finish(
    args: argparse.Namespace,
    rows: list[Row],
    notes: list[str],
    durations: dict[str, float],
    machine: str,
    started: float,
) -> str:
    """Print the rows in part order with the notes and the run times; write them to --output too."""
    rows.sort(key=lambda row: int(row.part.split(".")[0]))  # part order; the memory growth is measured late
    durations["total"] = time.perf_counter() - started
    notes.append("Run time: " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in durations.items()) + ".")
    title = "DigitLab benchmark" + (": numbers" if args.numbers else "") + (" (quick mode)" if args.quick else "")
    table = markdown_table(rows, machine, title)
    text = table + "\n" + "\n".join(f"- {note}" for note in notes) + "\n"
    print(text)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
    return text


def compare_models(args: argparse.Namespace, every: int, sizes: Sizes, machine: str, started: float) -> str:
    """`--models`: every bundled model on the drawn digits; writes the JSON the Compare models page reads."""
    from bench.models import measure_models, models_table

    results = measure_models(args.pendigits, every, sizes.pendigits_limit, args.models_output)
    text = models_table(results, machine) + f"\n- Run time: {time.perf_counter() - started:.0f} s.\n"
    print(text)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
    return text


class timed:
    """Context manager adding the seconds its block took to `durations[name]`."""

    def __init__(self, durations: dict[str, float], name: str) -> None:
        self.durations, self.name = durations, name

    def __enter__(self) -> None:
        self.start = time.perf_counter()
        print(f"[bench] {self.name}…", file=sys.stderr, flush=True)

    def __exit__(self, *exc) -> None:
        self.durations[self.name] = self.durations.get(self.name, 0.0) + time.perf_counter() - self.start


def latency_rows(latency: inprocess.Latency) -> list[Row]:
    """Part 1: preprocessing, model and both together, per drawing, against the tutorial on its own stack;
    then both together against the tutorial path run on DigitLab's backend."""
    runs = len(latency.preprocess)
    total_p50, tutorial_p50 = percentiles(latency.total)[0], percentiles(latency.tutorial_total)[0]
    speed_up = tutorial_p50 / total_p50 if total_p50 > 0 else float("nan")
    part = f"1. One drawing, in process ({runs} runs)"
    stack = f"tutorial on {latency.tutorial_backend}"
    return [
        Row(part, f"Preprocessing p50 / p95 ({stack})", format_p50_p95(latency.preprocess),
            format_p50_p95(latency.tutorial_preprocess),
            format_ratio(percentiles(latency.tutorial_preprocess)[0], percentiles(latency.preprocess)[0])),
        Row(part, f"Model p50 / p95 ({stack}: `model.predict`)", format_p50_p95(latency.model),
            format_p50_p95(latency.tutorial_model),
            format_ratio(percentiles(latency.tutorial_model)[0], percentiles(latency.model)[0])),
        Row(part, f"Preprocessing + model p50 / p95 ({stack})", format_p50_p95(latency.total),
            format_p50_p95(latency.tutorial_total), format_ratio(tutorial_p50, total_p50),
            f"p50 ≤ {LATENCY_TARGET_MS:.0f} ms, ≥ {SPEED_UP_TARGET:.0f}× faster",
            total_p50 <= LATENCY_TARGET_MS and speed_up >= SPEED_UP_TARGET),
        Row(part, f"Draw page: canvas JSON → answer (parse, redraw, preprocess, model) p50 / p95 ({stack})",
            format_p50_p95(latency.stroke_path), format_p50_p95(latency.tutorial_total),
            format_ratio(tutorial_p50, percentiles(latency.stroke_path)[0]),
            f"p50 ≤ {LATENCY_TARGET_MS:.0f} ms, ≥ {SPEED_UP_TARGET:.0f}× faster",
            percentiles(latency.stroke_path)[0] <= LATENCY_TARGET_MS
            and tutorial_p50 / percentiles(latency.stroke_path)[0] >= SPEED_UP_TARGET),
        Row(part, "Preprocessing + model p50 / p95 (tutorial path on DigitLab's backend, interleaved)",
            format_p50_p95(latency.total), format_p50_p95(latency.same_backend_total),
            format_ratio(percentiles(latency.same_backend_total)[0], total_p50)),
    ]  # fmt: skip


def browser_rows(ours, theirs) -> list[Row]:
    """Parts 2, 3, 4 (server) and 5 from the two apps' browser runs."""
    stroke_p50, tutorial_stroke_p50 = percentiles(ours.stroke_ms)[0], percentiles(theirs.stroke_ms)[0]
    concurrent_p50 = percentiles(ours.concurrent_ms)[0]
    errors = len(ours.errors) + len(ours.concurrent_errors)
    return [
        Row(f"2. In the browser ({len(ours.stroke_ms)} strokes)", "Stroke → prediction p50 / p95",
            format_p50_p95(ours.stroke_ms), format_p50_p95(theirs.stroke_ms),
            format_ratio(tutorial_stroke_p50, stroke_p50), f"p50 ≤ {STROKE_TARGET_MS:.0f} ms",
            stroke_p50 <= STROKE_TARGET_MS),
        Row("3. Cold start", "`streamlit run` → first prediction in the browser", seconds(ours.cold_start_s),
            seconds(theirs.cold_start_s), format_ratio(theirs.cold_start_s, ours.cold_start_s),
            f"≤ {COLD_START_TARGET_S:.0f} s", ours.cold_start_s <= COLD_START_TARGET_S),
        Row("4. Memory (server)", "RSS with the model loaded (after the first prediction)",
            megabytes(ours.rss_loaded), megabytes(theirs.rss_loaded), "–",
            f"≤ {RSS_TARGET_BYTES / MB:.0f} MB", ours.rss_loaded <= RSS_TARGET_BYTES),
        Row("4. Memory (server)", f"Peak RSS after {ours.predictions} browser predictions (now: "
            f"{ours.rss_after / MB:.0f} MB)", megabytes(ours.peak_rss), megabytes(theirs.peak_rss), "–",
            f"≤ {RSS_TARGET_BYTES / MB:.0f} MB", ours.peak_rss <= RSS_TARGET_BYTES),
        Row(f"5. Concurrency ({ours.concurrent_sessions} sessions)", "Errors (all sessions, incl. part 2)",
            str(errors), str(len(theirs.errors) + len(theirs.concurrent_errors)) if theirs.predictions else "not run",
            "–", "0", errors == 0),
        Row(f"5. Concurrency ({ours.concurrent_sessions} sessions)",
            f"Stroke → prediction p50 / p95 ({len(ours.concurrent_ms)} strokes)", format_p50_p95(ours.concurrent_ms),
            format_p50_p95(theirs.concurrent_ms), format_ratio(percentiles(theirs.concurrent_ms)[0], concurrent_p50)),
    ]  # fmt: skip


def stroke_cost_rows(costs: dict[str, strokes.StrokeCost]) -> list[Row]:
    """Part 2: the server's CPU time per stroke, DigitLab's draw page against the tutorial app."""
    ours = percentiles(costs["DigitLab"].cpu_ms)[0]
    theirs = percentiles(costs["Tutorial"].cpu_ms)[0] if "Tutorial" in costs else float("nan")
    return [
        Row(f"2. In the browser ({len(costs['DigitLab'].cpu_ms)} strokes on one canvas)",
            "Server CPU per stroke p50 / p95 (stroke → answer on the page)", format_p50_p95(costs["DigitLab"].cpu_ms),
            format_p50_p95(costs["Tutorial"].cpu_ms) if "Tutorial" in costs else "not run",
            format_ratio(theirs, ours), f"p50 ≤ {STROKE_CPU_TARGET_MS:.0f} ms", ours <= STROKE_CPU_TARGET_MS),
    ]  # fmt: skip


def class_rows(classes: dict[str, strokes.ClassRun], how: str) -> list[Row]:
    """Part 7: a class drawing at once on one server, simulated `how`."""
    ours, theirs = classes["DigitLab"], classes.get("Tutorial")
    part = f"7. A class ({ours.sessions} sessions, a stroke every {CLASS_INTERVAL_S:.0f} s each; {how})"
    p50, p95 = percentiles(ours.answer_ms)
    planned = ours.sessions / CLASS_INTERVAL_S
    return [
        Row(part, f"Stroke → answer p50 / p95 ({len(ours.answer_ms)} strokes)", format_p50_p95(ours.answer_ms),
            format_p50_p95(theirs.answer_ms) if theirs else "not run",
            format_ratio(percentiles(theirs.answer_ms)[0], p50) if theirs else "–",
            f"p50 ≤ {CLASS_P50_TARGET_MS:.0f} ms, p95 ≤ {CLASS_P95_TARGET_MS / 1000:.0f} s",
            p50 <= CLASS_P50_TARGET_MS and p95 <= CLASS_P95_TARGET_MS),
        Row(part, "Strokes without an answer (of those drawn)", f"{ours.unanswered} of {ours.drawn}",
            f"{theirs.unanswered} of {theirs.drawn}" if theirs else "not run", "–", "0",
            ours.unanswered == 0 and ours.drawn > 0),
        Row(part, f"Strokes drawn per second (planned: {planned:.0f})", f"{ours.strokes_per_second:.1f}",
            f"{theirs.strokes_per_second:.1f}" if theirs else "not run"),
        Row(part, "Server peak RSS during the class", megabytes(ours.peak_rss),
            megabytes(theirs.peak_rss) if theirs else "not run", "–", f"≤ {CLASS_RSS_TARGET_BYTES / MB:.0f} MB",
            0 < ours.peak_rss <= CLASS_RSS_TARGET_BYTES),
        Row(part, f"Cores busy while the class drew (of {os.cpu_count()}): the server / the whole machine",
            class_cpu(ours),
            class_cpu(theirs) if theirs else "not run"),
    ]  # fmt: skip


def class_cpu(run: strokes.ClassRun) -> str:
    """The cores the server and the whole machine kept busy, on average, while a class drew."""
    if not run.drawing_s:
        return "not run"
    return f"{run.server_cpu_s / run.drawing_s:.2f} / {run.machine_cpu_s / run.drawing_s:.2f}"


def classroom_rows(run, student: strokes.StrokeCost, draw_page: strokes.StrokeCost) -> list[Row]:
    """Part 8: classroom mode, a class of phones sending at once, and the student page's server work per stroke."""
    part = f"8. Classroom ({run.phones} phones, each double-tapping Send at once)"
    p50, p95 = percentiles(run.answer_ms)
    ours, theirs = percentiles(student.cpu_ms)[0], percentiles(draw_page.cpu_ms)[0]
    return [
        Row(part, "Drawings sent / stored / lost / stored twice",
            f"{run.sent} / {run.distinct} / {run.lost} / {run.duplicates}", target="0 lost, 0 twice",
            passed=run.sent > 0 and run.lost == 0 and run.duplicates == 0),
        Row(part, "Drawings on the projector's page = in the database", f"{run.projector} = {run.distinct}",
            target="equal", passed=run.projector == run.distinct),
        Row(part, f"Send → answer on the phone p50 / p95 ({len(run.answer_ms)} drawings)",
            format_p50_p95(run.answer_ms), target=f"p95 ≤ {PHONE_P95_TARGET_MS / 1000:.0f} s",
            passed=bool(run.answer_ms) and p95 <= PHONE_P95_TARGET_MS),
        Row(f"8. Classroom (student page, {len(student.cpu_ms)} strokes on one canvas)",
            "Server CPU per stroke p50 / p95 (beside: the draw page's)", format_p50_p95(student.cpu_ms),
            format_p50_p95(draw_page.cpu_ms), format_ratio(theirs, ours), f"p50 ≤ {STROKE_CPU_TARGET_MS:.0f} ms",
            ours <= STROKE_CPU_TARGET_MS),
    ]  # fmt: skip


def class_notes(classes: dict[str, strokes.ClassRun], which: str = "class") -> list[str]:
    """One note per app whose class run had errors, quoting the first few."""
    return [
        f"{name}, {which}: {len(run.errors)} errors, e.g. {'; '.join(run.errors[:3])[:400]}"
        for name, run in classes.items()
        if run.errors
    ]


def seconds(value: float) -> str:
    return "not run" if value != value else f"{value:.1f} s"


def megabytes(value: int) -> str:
    return f"{value / MB:.0f} MB" if value else "not run"


def error_notes(runs: dict) -> list[str]:
    """One note per app whose browser run had errors, quoting the first of them."""
    return [
        f"{name} errors in the browser: {'; '.join(run.errors + run.concurrent_errors)[:500]}"
        for name, run in runs.items()
        if run.errors or run.concurrent_errors
    ]


def growth_row(before: int, after: int, sizes: Sizes) -> Row:
    """Part 4: memory growth over many predictions, in this process through the app's code path."""
    growth = after - before
    return Row(
        "4. Memory (in process)",
        f"RSS growth over {sizes.memory_predictions:,} predictions (app code path, in process): "
        f"{before / MB:.0f} → {after / MB:.0f} MB",
        f"{growth / MB:+.1f} MB",
        target=f"flat (< {RSS_GROWTH_TOLERANCE_BYTES / MB:.0f} MB)",
        passed=growth < RSS_GROWTH_TOLERANCE_BYTES,
    )


def mnist_rows(result: tuple[float, int] | None, notes: list[str]) -> list[Row]:
    """Part 6: MNIST test accuracy (the images are already 28x28, so both pipelines feed the same input); a note
    when there is no MNIST."""
    if result is None:
        notes.append(f"MNIST accuracy skipped: no MNIST at {KERAS_MNIST_PATH} or in the shared data folder.")
        return []
    accuracy, count = result
    return [
        Row("6. Accuracy", f"MNIST test set ({count:,} images)", f"{accuracy:.2%}", "same model, same input",
            target=f"≥ {MNIST_TARGET:.1%}", passed=accuracy >= MNIST_TARGET)
    ]  # fmt: skip


def drawn_rows(drawn: dict | None, path: Path, notes: list[str]) -> list[Row]:
    """Part 6: drawn-digit accuracy per condition and overall, DigitLab's draw page (strokes read) and its
    reading of the canvas picture, each beside the tutorial's; a note when there is no data."""
    if drawn is None:
        notes.append(f"Drawn-digit accuracy skipped: no pen-drawn digits at {path} (pass --pendigits PATH).")
        return []
    theirs = drawn["tutorial"]
    count = int(theirs.rows(theirs.condition_names[0]).sum())
    rows = []
    for label in ("draw page", "canvas picture"):
        ours = drawn[label]
        rows += [
            accuracy_row(f"Drawn digits, {label}: {name.replace('_', ' ')}", ours.accuracy(name), theirs.accuracy(name))
            for name in ours.condition_names
        ]
        rows.append(accuracy_row(f"Drawn digits, {label}: **all conditions**", ours.accuracy(), theirs.accuracy()))
    for name, scores in drawn.items():
        confusions = confused_pairs(scores.confusion(), top=5)
        listed = ", ".join(
            f"{pair['true']}→{'none' if pair['predicted'] == 10 else pair['predicted']} ({pair['count']})"
            for pair in confusions
        )
        notes.append(f"Drawn digits, most common confusions ({name}): {listed or 'none'}.")
    notes.append(
        f"Drawn digits: {count:,} pen-drawn digits per condition ({path.name}), rendered as canvas drawings; the "
        "draw page reads their strokes redrawn with a pen in proportion to the drawing, the tutorial the picture."
    )
    return rows


def accuracy_row(measure: str, ours: float, theirs: float) -> Row:
    return Row(
        "6. Accuracy", measure, f"{ours:.1%}", f"{theirs:.1%}", f"{(ours - theirs) * 100:+.1f} pts",
        f"≥ {DRAWN_TARGET:.0%}", ours >= DRAWN_TARGET,
    )  # fmt: skip


def explain_rows(
    times: explanations.PageTimes,
    explained: explanations.Agreement | None,
    index_bytes: dict[str, int],
    model_ms: list[float],
    notes: list[str],
) -> list[Row]:
    """Part 9: the Explain page's server time beside the draw page's, what its explanations say on drawn digits,
    and its indexes' size."""
    part = "9. Explain page"
    explain_p50, explain_p95 = percentiles(times.explain_ms)
    total = sum(index_bytes.values())
    rows = [
        Row(part, f"Server time for one drawing p50 / p95 (page script, {len(times.explain_ms)} runs)",
            format_p50_p95(times.explain_ms), target=f"≤ {EXPLAIN_TARGET_MS:.0f} ms",
            passed=explain_p50 <= EXPLAIN_TARGET_MS and explain_p95 <= EXPLAIN_TARGET_MS),
        Row(part, "Beside it: the draw page for the same drawings, same measure p50 / p95",
            format_p50_p95(times.draw_ms)),
        Row(part, "Beside it: one prediction, the model alone p50 / p95 (part 1)", format_p50_p95(model_ms)),
        Row(part, f"Nearest-digit indexes, all {len(index_bytes)} bundled models together",
            f"{total / MB:.1f} MB", target=f"≤ {INDEX_TARGET_BYTES / MB:.0f} MB",
            passed=0 < total <= INDEX_TARGET_BYTES),
    ]  # fmt: skip
    if explained is None:
        notes.append("Explanations on drawn digits skipped: no pen-drawn digits (pass --pendigits PATH).")
        return rows
    count = len(explained.methods_agree)
    rows += [
        Row(part, f"Grad-CAM's and occlusion's top {explain.REGION}×{explain.REGION} regions agree ({count} drawn "
            "digits, the model's answer)", share(explained.methods_agree)),
        Row(part, "… Grad-CAM's top region is where the most ink is", share(explained.grad_cam_on_ink)),
        Row(part, "… occlusion's top region is where the most ink is", share(explained.occlusion_on_ink)),
        Row(part, f"The {explain.NEIGHBOURS} nearest training digits' majority label is the model's answer",
            share(explained.neighbours_agree)),
    ]  # fmt: skip
    notes.append(
        "Explanations: two top regions agree when they share at least half their area; the drawn digits are drawn "
        "centred on the canvas and read as the draw page reads them. Measured, not targets: they say how far "
        "the two saliency methods and the nearest digits tell the same story."
    )
    return rows


def share(flags: list[bool]) -> str:
    return f"{np.mean(flags):.1%} ({sum(flags)} of {len(flags)})" if flags else "not run"


if __name__ == "__main__":
    os.chdir(ROOT_DIR)
    main()
