"""Polling: fetch bytes over HTTP, parse them into entries, in worker processes."""
