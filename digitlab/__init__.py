"""DigitLab: draw a digit, watch a CNN recognise it, and look inside the network."""

__version__ = "0.1.0"
