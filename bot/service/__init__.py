"""The running service: config, wiring, scheduler, CLI, slash command, health and metrics."""
