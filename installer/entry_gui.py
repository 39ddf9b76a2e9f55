"""Entry point of the windowed program on Windows (counter-app-gui.exe): the GUI, no console.

Its arguments are the `gui` command's (`--data-dir DIR`, `--no-error-dialogs`).
"""

import os
import sys

# A windowed program has no standard streams: what the command line would print goes nowhere
# rather than failing (errors are in the logs and the error dialog).
if sys.stdout is None:
    sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
if sys.stderr is None:
    sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115

from counter_app.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["gui", *sys.argv[1:]]))
