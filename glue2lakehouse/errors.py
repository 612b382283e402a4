"""One exception family. Each error is one line saying what is wrong and how to fix it."""

from __future__ import annotations

EXIT_OK = 0
EXIT_CONFLICTS = 1
EXIT_ERROR = 2
EXIT_SIGINT = 130   # 128 + SIGINT: interrupted with Ctrl-C, rolled back
EXIT_SIGTERM = 143  # 128 + SIGTERM: terminated, rolled back


class Terminated(BaseException):
    """SIGTERM arrived: unwinds like KeyboardInterrupt, so every step in progress is rolled back."""


class G2LError(Exception):
    """A user-facing error: printed as one line, exit code 2, nothing changed."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str, fix: str | None = None):
        self.problem = message
        self.fix = fix
        text = message if not fix else f"{message}; {fix}"
        super().__init__(text)


class MarkerError(G2LError):
    """Malformed PROTECTED markers in a file."""

    def __init__(self, path: str, line: int, what: str):
        self.path = path
        self.line = line
        self.what = what
        super().__init__(
            f"{path}:{line}: {what}",
            "fix the '# PROTECTED: START' / '# PROTECTED: END' markers and run again",
        )
