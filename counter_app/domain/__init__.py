"""Pure rules of the counter: no SQLAlchemy, no Qt, no I/O beyond reading given data."""
