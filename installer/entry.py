"""Entry point of the frozen application (PyInstaller bundles this script)."""

from counter_app.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
