"""What determines a training run, saved in its metadata so it can be reproduced."""

from __future__ import annotations

from dataclasses import dataclass

from digitlab.drawn.unipen import NONDIGIT_KINDS
from digitlab.model import FILTERS
from digitlab.training.mnist import RESTROKE_PENS
from digitlab.training.templates import TEMPLATE_PENS


@dataclass
class FitSettings:
    """What every network's training has: the schedule, the validation split, the seed, a smoke-test limit."""

    epochs: int = 20
    batch_size: int = 128
    learning_rate: float = 2e-3
    validation_size: int = 5000
    seed: int = 42
    # Use only the first N training and N test images (smoke tests).
    limit: int | None = None


@dataclass
class TrainSettings(FitSettings):
    """The bundled CNN's recipe: augmentation, the drawn training data, calibration."""

    # Channels of the network's two conv-conv-pool stages (a run continuing a model keeps that model's).
    filters: tuple[int, int] = FILTERS
    augment: bool = True
    rotation_degrees: float = 12.0
    zoom: float = 0.15
    shift: float = 0.1
    thickness_probability: float = 0.5
    restroke: bool = True
    elastic_probability: float = 0.5
    nondigits: int = 9000
    styled_digits: int = 18000
    # Real pen handwriting (UNIPEN digits of the training writers), read like the draw page reads a drawing:
    # each digit this many times, placed anew each time, at most `handwriting_per_writer` digits of one writer.
    handwriting_copies: int = 3
    handwriting_per_writer: int = 200
    # Real drawings that are not digits (letters, symbols, gestures of the training writers) trained toward
    # "no digit"; 0 turns them off. `leave_out` names a kind of them never trained on, to measure on it.
    real_nondigits: int = 0
    leave_out: str | None = None
    # Pen widths as shares of the digit's size, for the restroked MNIST digits and for the styled digits.
    restroke_pens: tuple[float, float] = RESTROKE_PENS
    template_pens: tuple[float, float] = TEMPLATE_PENS
    calibrate: bool = True
    # Seed of the validation split (None: `seed`); a fine-tuning run keeps its parent's split.
    split_seed: int | None = None
    # A .keras model to continue training instead of starting from scratch.
    init_from: str | None = None

    def __post_init__(self):
        # From the command line or a metadata file the pairs arrive as lists.
        self.restroke_pens, self.template_pens = tuple(self.restroke_pens), tuple(self.template_pens)
        self.filters = tuple(self.filters)
        if self.leave_out is not None and self.leave_out not in NONDIGIT_KINDS:
            raise ValueError(f"leave_out must be one of {', '.join(NONDIGIT_KINDS)}, not {self.leave_out!r}")

    @property
    def uses_handwriting(self) -> bool:
        """True when the recipe reads the real pen handwriting data sets."""
        return bool(self.handwriting_copies or self.real_nondigits)

    @property
    def validation_seed(self) -> int:
        """The seed the validation split is drawn with."""
        return self.seed if self.split_seed is None else self.split_seed


@dataclass
class ClassicSettings(FitSettings):
    """A classic network's training: its recipe's schedule unless one is given (None here means the recipe's)."""

    arch: str = ""
    epochs: int | None = None
    batch_size: int | None = None
    learning_rate: float | None = None
