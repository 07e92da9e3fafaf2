"""The display server fixture of tests/server: a real server on port 0 in this process."""

from tests.server.conftest import server

__all__ = ["server"]
