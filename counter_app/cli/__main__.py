"""`python -m counter_app.cli`: the same as `counter-app`."""

from counter_app.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
