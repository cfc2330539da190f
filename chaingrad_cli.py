"""The ``chaingrad`` command's first lines, outside ``nn`` so that they run first.

A Ctrl-C while Python is still importing the engine and ``nn`` (about a second)
would otherwise end in a traceback: ``nn.cli`` can only handle signals once it
is imported, and importing it imports all of ``nn`` first. Here the import is
the one thing that runs, inside a ``try``.

    >>> callable(main)
    True
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as nn.cli exits after a Ctrl-C


def main(argv: Sequence[str] | None = None) -> int:
    """Import ``nn.cli`` and run it; a Ctrl-C during the import says so in one line."""
    try:
        from nn.cli import main as run
    except KeyboardInterrupt:
        sys.stderr.write("chaingrad: interrupted while starting; nothing written\n")
        return EXIT_INTERRUPTED
    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
