"""What the news means: classification, stories, severity, routing, dedupe keys. Pure."""
