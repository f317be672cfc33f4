"""Tools around the bot: evaluation, replay, the local feed server."""
