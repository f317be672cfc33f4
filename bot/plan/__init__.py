"""Planning: what a poll writes and sends, decided without I/O."""
