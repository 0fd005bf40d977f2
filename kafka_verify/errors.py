"""Exit codes shared by the command-line tools, one per kind of failure."""

from __future__ import annotations

OK = 0
BAD_ARGUMENTS = 2
UNREACHABLE = 3
UNHEALTHY = 4
DATA_LOSS = 5

MEANING = {
    OK: "ok",
    BAD_ARGUMENTS: "bad arguments",
    UNREACHABLE: "cannot reach the cluster",
    UNHEALTHY: "cluster unhealthy",
    DATA_LOSS: "messages lost or corrupted",
}


class VerifyError(Exception):
    """A failure with its exit code and a one-line reason."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
