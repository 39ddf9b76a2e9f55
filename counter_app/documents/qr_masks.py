"""segno's choice of a QR code's data mask, made about twenty times faster, same result.

segno builds a QR code in pure Python and, to choose among the eight data masks (ISO/IEC
18004:2015 §7.8.3: the mask whose penalty score is lowest), applies each one module by
module and scores each module by module: for the signed receipt link (version 10, 57 × 57
modules) that is about 20 ms of the 25 ms a code costs, paid on every new receipt.

`install` replaces segno's `encoder.find_and_apply_best_mask` with `best_mask`, which
works on whole rows at once: a row is a Python integer holding one byte per module, a mask
is one XOR per row (the rows of each mask, limited to the encoding region, are made once
per symbol size), the runs of rule N1 are found by a regular expression, the 2 × 2 blocks
of N2 with bitwise ANDs, the finder-like patterns of N3 with `bytes.find` and the same
rule as segno's, and the dark share of N4 with `int.bit_count`. The scores, their sum and
the choice (the first mask with the lowest sum) are segno's, so the code is the same
module for module (`tests/unit/test_qr_masks.py` compares the two on codes of many sizes).
Anything else (a Micro QR code, a mask given by the caller, a module that is not 0 or 1)
goes to segno's own function.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

_N3 = b"\x01\x00\x01\x01\x01\x00\x01"
_LOCK = threading.Lock()
_installed: list[Callable[..., Any]] = []
"""segno's own function, once `install` has replaced it."""


def _encoder() -> Any:
    """segno's encoder module (imported at first use; its functions are untyped)."""
    from segno import encoder

    return encoder


def install() -> None:
    """Make segno choose masks with `best_mask` (once per process; thread-safe)."""
    if _installed:
        return
    encoder = _encoder()
    with _LOCK:
        if not _installed:
            _installed.append(encoder.find_and_apply_best_mask)
            encoder.find_and_apply_best_mask = best_mask


def original() -> Callable[..., Any]:
    """segno's own mask choice (for comparing; valid before and after `install`)."""
    return _installed[0] if _installed else _encoder().find_and_apply_best_mask


def best_mask(
    matrix: Sequence[bytearray], width: int, height: int, proposed_mask: int | None = None
) -> tuple[int, tuple[bytearray, ...]]:
    """What segno's `find_and_apply_best_mask` returns: the mask's number and the masked
    matrix (new rows; format and version information not yet added)."""
    if (
        proposed_mask is not None
        or width != height
        or width < 21  # a Micro QR code: scored by other rules
        or len(matrix) != height
        or b"".join(matrix).translate(None, b"\x00\x01")  # a module neither light nor dark
    ):
        return original()(matrix, width, height, proposed_mask)  # type: ignore[no-any-return]
    rows = [int.from_bytes(row, "big") for row in matrix]
    best_score, best_number, best_rows = -1, 0, rows
    for number, mask in enumerate(_mask_rows(width)):
        masked = [row ^ bits for row, bits in zip(rows, mask, strict=True)]
        score = _score(masked, width)
        if best_score < 0 or score < best_score:
            best_score, best_number, best_rows = score, number, masked
    return best_number, tuple(bytearray(row.to_bytes(width, "big")) for row in best_rows)


@lru_cache(maxsize=8)
def _mask_rows(size: int) -> tuple[tuple[int, ...], ...]:
    """For each of the eight masks, its rows as integers (a byte 1 where the mask flips a
    module of the encoding region), built from segno's own patterns and function modules."""
    encoder = _encoder()
    function = encoder.make_matrix(size, size)
    encoder.add_finder_patterns(function, size, size)
    encoder.add_alignment_patterns(function, size, size)
    function[-8][8] = 0x1
    masks = []
    for pattern in encoder.get_data_mask_functions(False):
        masks.append(
            tuple(
                int.from_bytes(
                    bytes(int(pattern(i, j)) if function[i][j] > 0x1 else 0 for j in range(size)),
                    "big",
                )
                for i in range(size)
            )
        )
    return tuple(masks)


def _score(rows: list[int], size: int) -> int:
    """segno's `evaluate_mask`: the sum of the penalties N1 to N4 of a masked matrix."""
    lines = [row.to_bytes(size, "big") for row in rows]
    columns = [bytes(column) for column in zip(*lines, strict=True)]
    # Every row and column in one string, each followed by a byte that belongs to no
    # pattern, so a match never spans two lines.
    score = _n3(b"\x02".join(lines + columns), size)
    ones = int.from_bytes(b"\x01" * size, "big")
    for line in rows + [int.from_bytes(column, "big") for column in columns]:
        for alike in (line, line ^ ones):  # N1: a run of five or more dark, or light, modules
            # A byte 1 where a run of five ends; each run of n such ends is n - 4 of them,
            # and scores n - 2.
            ends = alike & (alike >> 8) & (alike >> 16) & (alike >> 24) & (alike >> 32)
            if ends:
                score += ends.bit_count() + 2 * (ends & ~(ends << 8)).bit_count()
    blocks = 0
    for above, below in itertools.pairwise(rows):  # N2: 3 per 2 × 2 block alike
        dark = above & below
        light = (above | below) ^ ones
        blocks += (dark & (dark >> 8)).bit_count() + (light & (light >> 8)).bit_count()
    score += 3 * blocks
    dark_modules = sum(row.bit_count() for row in rows)
    percent = float(dark_modules) / (size**2)
    return score + 10 * int(abs(percent * 100 - 50) / 5)  # N4


def _n3(text: bytes, size: int) -> int:
    """N3 of every line of `text` (lines of `size` modules, one byte between), as segno
    counts it in each: 40 for each 1:1:3:1:1 pattern with four light modules before or
    after it within its line (or at either end of the line)."""
    count = 0
    stride = size + 1
    index = text.find(_N3)
    while index != -1:
        start = index - index % stride  # of the line, in `text`
        at = index - start
        offset = index + 7
        if (
            at in (0, size - 7)
            or b"\x01" not in text[start + max(at - 4, 0) : index]
            or b"\x01" not in text[offset : min(offset + 4, start + size)]
        ):
            count += 40
        else:
            offset = index + 4
        index = text.find(_N3, offset)
    return count
