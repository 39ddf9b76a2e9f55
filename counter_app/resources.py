"""Bundled resources, found the same way from source and from a PyInstaller bundle."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path


def resources_root() -> Path:
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root is not None:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """The path of a bundled resource (same from source and bundle); refuses absolute and `..`."""
    for part in parts:
        if not part or Path(part).is_absolute() or ".." in Path(part).parts:
            raise ValueError(f"bad resource path part: {part!r}")
    return resources_root().joinpath(*parts)


def read_json(path: Path, error: Callable[[str], Exception]) -> object:
    """The JSON document in the file at `path`; a missing or malformed file raises `error`.

    `error` receives a short reason (the kind of failure) and returns the exception to raise.
    """
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as exc:
        raise error(type(exc).__name__) from None
