"""STUB from the console stream (issue 7); the feedback stream's package replaces it on merge."""
