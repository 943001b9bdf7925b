"""Benchmarks for Frontier: `make bench` (or `python -m benchmarks [--quick]`).

Each benchmark times our code against a baseline measured in the same run, repeated and interleaved,
and reports the median and the minimum of the repeats and the ratio of the two. The machine these
run on is shared and noisy, so the ratio, not the wall time, is the figure to compare across runs.
"""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # never fetch litellm's map
os.environ.setdefault("HF_HUB_OFFLINE", "1")
