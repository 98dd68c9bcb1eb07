"""A one-line text progress bar for the command line (the CLI's output layer, not library code)."""

from __future__ import annotations

import sys
from typing import TextIO


class ProgressBar:
    """Redraws ``label [#####.....] processed/total`` in place on a terminal."""

    def __init__(self, *, label: str, width: int = 30, stream: TextIO | None = None) -> None:
        self._label = label
        self._width = width
        self._stream = stream or sys.stderr
        self._drawn = False
        self._last_tenth = -1

    def update(self, processed: int, total: int) -> None:
        """Draw the bar for ``processed`` of ``total``."""
        share = processed / total if total else 1.0
        filled = round(share * self._width)
        bar = "#" * filled + "." * (self._width - filled)
        tty = self._stream.isatty()
        tenth = int(share * 10)
        if not tty and tenth == self._last_tenth and processed != total:
            return  # in a log file, one line per tenth is plenty
        self._last_tenth = tenth
        end = "\r" if tty else "\n"
        self._stream.write(f"{self._label} [{bar}] {processed}/{total} ({share:.0%}){end}")
        self._stream.flush()
        self._drawn = True

    def close(self) -> None:
        """Finish the line."""
        if self._drawn and self._stream.isatty():
            self._stream.write("\n")
            self._stream.flush()
