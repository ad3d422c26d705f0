"""What is wrong with a dropped file, in words: `Problem`, its reason texts and the error report's
line live in `schema.problems` (the customer import reports its lines with them too); the daemon's
modules keep importing them from here."""
from __future__ import annotations

from schema.problems import KIND_NAMES_EN, KIND_NAMES_ZH, REASONS, Problem, format_problem, reason_text

__all__ = ["KIND_NAMES_EN", "KIND_NAMES_ZH", "REASONS", "Problem", "format_problem", "reason_text"]
