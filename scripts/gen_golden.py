#!/usr/bin/env python3
"""Regenerate the newsletter golden files in tests/golden/ (review the diff before committing)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from editions_sample import GOLDEN, golden_outputs

for name, text in golden_outputs().items():
    (GOLDEN / name).write_text(text, encoding="utf-8")
    print(f"wrote tests/golden/{name}")
