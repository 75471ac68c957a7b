"""User-facing errors: each carries the exit code the CLI returns, and is shown without a traceback."""

EXIT_OK = 0
EXIT_CHECKS_FAILED = 1  # the data does not conform, or a check (query, QC) failed
EXIT_USAGE = 2  # usage or input error: bad file, unknown query, bad parameter


class PactgraphError(Exception):
    """An error the user can fix; `str(err)` is the one-line message."""

    exit_code = EXIT_USAGE


class InputError(PactgraphError):
    """Bad input: a file that does not parse, a missing folder, an unknown name or parameter."""


class ChecksFailed(PactgraphError):
    """The build ran but the data did not conform or a check failed."""

    exit_code = EXIT_CHECKS_FAILED


class ExportFailed(PactgraphError):
    """The exports could not be written (a full disk, a writer that failed): nothing is published."""

    exit_code = EXIT_CHECKS_FAILED


def visible(text: str) -> str:
    """`text` with every character a terminal would not show (controls, format characters such as a
    byte order mark, separators other than the space, unassigned code points) named: `[U+0000]`.
    Line feeds and tabs stay, so a message of several lines keeps its lines."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c in "\n\t" else f"[U+{ord(c):04X}]" for c in text)
