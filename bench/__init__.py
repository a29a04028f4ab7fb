"""DigitLab's benchmarks: speed, start-up, memory, concurrency and drawn-digit accuracy, side by side with the
tutorial approach. Run them with `python -m bench` (see `python -m bench --help`)."""
