"""Where the content-addressed page store keeps a page file."""

from __future__ import annotations

from pathlib import Path


def page_path(pages_dir: Path, sha256: str) -> Path:
    """Where the page store keeps a page: fanned out by the first two hex digits."""
    return pages_dir / sha256[:2] / sha256
