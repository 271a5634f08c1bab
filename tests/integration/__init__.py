"""Integration tests: the embedded broker, real worker processes, real topics."""
