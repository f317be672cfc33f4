"""newsbot: watches news feeds and alerts Slack about North Korean missile tests and diplomacy."""

__version__ = "0.1.0"
