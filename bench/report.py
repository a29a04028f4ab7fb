"""Percentiles, result rows, the Markdown table and the machine's description."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass

import numpy as np


@dataclass
class Row:
    """One line of the results table; `passed` is None where there is no target."""

    part: str
    measure: str
    digitlab: str
    tutorial: str = "–"
    ratio: str = "–"
    target: str = "–"
    passed: bool | None = None

    @property
    def verdict(self) -> str:
        return {True: "✅ pass", False: "❌ miss", None: "–"}[self.passed]


def percentiles(samples_ms) -> tuple[float, float]:
    """(p50, p95) of a sequence of milliseconds; NaN for no samples."""
    samples = np.asarray(samples_ms, dtype=float)
    if samples.size == 0:
        return float("nan"), float("nan")
    return float(np.percentile(samples, 50)), float(np.percentile(samples, 95))


def format_ms(value: float) -> str:
    """Milliseconds with sensible precision: 0.84 ms, 12.3 ms, 812 ms, 9.41 s."""
    if np.isnan(value):
        return "n/a"
    # Each precision is chosen by the value as it would be written, so that 9.999 is "10.0 ms", not "10.00 ms".
    if round(value) >= 2000:
        return f"{value / 1000:.2f} s"
    if round(value, 1) >= 100:
        return f"{value:.0f} ms"
    return f"{value:.1f} ms" if round(value, 2) >= 10 else f"{value:.2f} ms"


def format_p50_p95(samples_ms) -> str:
    if len(samples_ms) == 0:
        return "not run"
    p50, p95 = percentiles(samples_ms)
    return f"{format_ms(p50)} / {format_ms(p95)}"


def format_ratio(slow: float, fast: float) -> str:
    """How many times faster `fast` is than `slow`, as '23.4×'."""
    if not (fast > 0 and np.isfinite(slow) and np.isfinite(fast)):
        return "n/a"
    return f"{slow / fast:.1f}×"


def markdown_table(rows: list[Row], machine: str, title: str = "DigitLab benchmark") -> str:
    """The results as Markdown: a heading, the machine, and one table line per row."""
    header = "| Part | Measure | DigitLab | Tutorial | Ratio | Target | Result |\n|---|---|---|---|---|---|---|"
    lines = [
        f"| {row.part} | {row.measure} | {row.digitlab} | {row.tutorial} | {row.ratio} | {row.target} | {row.verdict} |"
        for row in rows
    ]
    return f"## {title}\n\n{machine}\n\n{header}\n" + "\n".join(lines) + "\n"


def machine_description() -> str:
    """One paragraph: CPU, cores, memory, load, OS and the versions that matter."""
    import keras
    import psutil
    import streamlit

    memory_gib = psutil.virtual_memory().total / 2**30
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"Machine: {cpu_model()}, {os.cpu_count()} logical cores, {memory_gib:.1f} GiB RAM, load average "
        f"{load} at start; {platform.system()} {platform.release()}; Python {platform.python_version()}, "
        f"Keras {keras_version()} on {keras.backend.backend()}, Streamlit {streamlit.__version__}, "
        f"{chromium_version()}."
    )


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def keras_version() -> str:
    import keras

    return keras.__version__


def chromium_version() -> str:
    from bench.browser import chromium_path

    try:
        output = subprocess.run([chromium_path(), "--version"], capture_output=True, text=True, timeout=20).stdout
        return output.strip() or "Chromium (unknown version)"
    except (FileNotFoundError, OSError, subprocess.TimeoutExpired):
        return "no Chromium"
