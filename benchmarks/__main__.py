"""Run every benchmark module and print (or write) the results."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import tempfile
from pathlib import Path

from benchmarks import MODULES, Result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI smoke runs")
    parser.add_argument("--json", type=Path, help="write the results as JSON to this file")
    parser.add_argument("--only", help="run only modules whose name contains this text")
    args = parser.parse_args(argv)
    results: list[Result] = []
    for module_name in MODULES:
        if args.only and args.only not in module_name:
            continue
        module = importlib.import_module(module_name)
        with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
            for result in module.run(args.quick, Path(workdir)):
                results.append(result)
                mark = {True: "met", False: "NOT MET", None: ""}[result.met]
                target = f" (target {result.target:g})" if result.target is not None else ""
                print(f"{result.name}: {result.value:.4g} {result.unit}{target} {mark}".rstrip())
                sys.stdout.flush()
    if args.json:
        args.json.write_text(json.dumps([r.to_json() for r in results], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
