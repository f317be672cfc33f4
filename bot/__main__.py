"""`python -m bot` does exactly what the `newsbot` console script does."""

from bot.service.cli import main

if __name__ == "__main__":  # not when a worker process imports the main module
    raise SystemExit(main())
