"""How much the reliability suite does: short in CI, long with `--reliability-long` (or
`RELIABILITY_LONG=1`); `RELIABILITY_KILLS=N` sets the total number of kills of either mode,
`RELIABILITY_DAYS=N` the simulated days, `RELIABILITY_EXAMPLES=N` the inputs per fuzz target
and per hub operation.

The root conftest sets `LONG` from the option before any test module is imported.
"""

from __future__ import annotations

import os

LONG = os.environ.get("RELIABILITY_LONG", "") not in ("", "0")

# Kills per phase, short and long (1,000 in all). Intake and sync take a code from the
# daily sequence, the others write files: those get the most kills.
KILL_WEIGHTS = {
    "intake": (3, 300),
    "scanning": (2, 150),
    "printing": (2, 150),
    "sync": (2, 150),
    "backup": (2, 100),
    "restore": (2, 100),
    "demo": (1, 50),
}
NETWORK_DAYS = (2, 30)
"""Simulated days of two counters behind the faulty proxy."""
FUZZ_EXAMPLES = (25, 1000)
"""Hypothesis examples per fuzz target."""
SCHEMA_EXAMPLES = (3, 200)
"""Schemathesis examples per hub operation."""


OVERRIDES = {
    NETWORK_DAYS: "RELIABILITY_DAYS",
    FUZZ_EXAMPLES: "RELIABILITY_EXAMPLES",
    SCHEMA_EXAMPLES: "RELIABILITY_EXAMPLES",
}


def pick(pair: tuple[int, int]) -> int:
    override = os.environ.get(OVERRIDES.get(pair, ""), "")
    if override:
        return int(override)
    return pair[1] if LONG else pair[0]


def kills(phase: str) -> int:
    total = os.environ.get("RELIABILITY_KILLS")
    if total:
        weight = KILL_WEIGHTS[phase][1]
        return max(1, round(int(total) * weight / sum(w for _s, w in KILL_WEIGHTS.values())))
    return pick(KILL_WEIGHTS[phase])
