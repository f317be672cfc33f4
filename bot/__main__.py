"""`python -m bot` does exactly what the `newsbot` console script does."""

from bot.cli import main

raise SystemExit(main())
