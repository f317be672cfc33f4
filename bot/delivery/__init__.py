"""Delivery: Slack messages out of the outbox, their policy and pacing."""
