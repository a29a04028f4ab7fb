"""What each student is asked to draw next, so that every student and the whole class cover every digit evenly."""

from __future__ import annotations

import numpy as np

from digitlab.config import NUM_CLASSES


def next_prompt(own: np.ndarray, everyone: np.ndarray, previous: int | None, rng: np.random.Generator) -> int:
    """The digit to ask for next: of the digits this student has drawn least, one the class has drawn least; never
    the one just asked; ties broken at random.

    Args:
        own: int (10,), how often each digit was asked of this student.
        everyone: int (10,), how often each digit was asked of the class.
        previous: the digit asked last, or None.
    """
    candidates = np.array([digit for digit in range(NUM_CLASSES) if digit != previous])
    for counts in (np.asarray(own), np.asarray(everyone)):
        chosen = counts[candidates]
        candidates = candidates[chosen == chosen.min()]
    return int(rng.choice(candidates))
