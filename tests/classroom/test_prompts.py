"""Prompts: each student, and the class as a whole, covers every digit evenly."""

import numpy as np

from digitlab.classroom.prompts import next_prompt


def ask(students: int, rounds: int, seed: int = 0) -> np.ndarray:
    """Simulate a class: each round, every student is asked a digit and draws it; returns int (students, rounds)."""
    rng = np.random.default_rng(seed)
    asked = np.zeros((students, rounds), int)
    own, everyone = np.zeros((students, 10), int), np.zeros(10, int)
    for round_ in range(rounds):
        for student in range(students):
            previous = asked[student, round_ - 1] if round_ else None
            digit = next_prompt(own[student], everyone, previous, rng)
            asked[student, round_] = digit
            own[student, digit] += 1
            everyone[digit] += 1
    return asked


def test_a_students_first_ten_prompts_are_the_ten_digits():
    asked = ask(students=5, rounds=10)
    for student in asked:
        assert sorted(student) == list(range(10))


def test_the_class_draws_every_digit_about_as_often():
    asked = ask(students=30, rounds=7)
    counts = np.bincount(asked.ravel(), minlength=10)
    assert counts.max() - counts.min() <= 2, counts


def test_the_same_digit_is_never_asked_twice_in_a_row():
    asked = ask(students=3, rounds=25)
    assert (asked[:, 1:] != asked[:, :-1]).all()


def test_the_digit_the_class_lacks_is_asked_first():
    everyone = np.array([5, 5, 5, 0, 5, 5, 5, 5, 5, 5])
    assert next_prompt(np.zeros(10, int), everyone, None, np.random.default_rng(0)) == 3
