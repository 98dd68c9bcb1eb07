"""JSON from strangers, parsed only once its nesting and its numbers are known to be small.

`json.loads` recurses once per level of nesting, so a body of a thousand ``[`` raises
`RecursionError`; and `int()` refuses numbers of more than 4,300 digits with a `ValueError` of its
own. Neither is a malformed-input error a caller would expect. `loads_bounded` checks the nesting
with a flat scan first and refuses long numbers while parsing, so every bad input is one
`BoundedJsonError`.
"""

from __future__ import annotations

import json
import re

# A JSON string literal (escapes included), and the brackets left once strings are removed.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


class BoundedJsonError(ValueError):
    """The text is not JSON, or is nested deeper or holds longer numbers than allowed."""


def loads_bounded(raw: bytes | str, *, max_depth: int, max_int_digits: int) -> object:
    """Parse ``raw`` as JSON, refusing nesting deeper than ``max_depth`` and long integers."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise BoundedJsonError("is not UTF-8 text") from None
    # Fewer opening brackets than the limit cannot nest deeper than it: skip the scan.
    openings = text.count("[") + text.count("{")
    if openings > max_depth and nesting_depth(text) > max_depth:
        raise BoundedJsonError(f"is nested more than {max_depth} levels deep")

    def bounded_int(digits: str) -> int:
        if len(digits.lstrip("-")) > max_int_digits:
            raise BoundedJsonError(f"holds a number longer than {max_int_digits} digits")
        return int(digits)

    try:
        return json.loads(text, parse_int=bounded_int)
    except BoundedJsonError:
        raise
    except ValueError:
        raise BoundedJsonError("is not JSON") from None


def nesting_depth(text: str) -> int:
    """How deeply arrays and objects nest in ``text`` (never less, for text that is not JSON)."""
    depth = deepest = 0
    for bracket in _BRACKET.finditer(_STRING.sub("", text)):
        if bracket.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(depth - 1, 0)
    return deepest
