"""The app's ``int`` URL converter: an id no INTEGER column can hold matches no route (a 404).

Every id column is a signed 32-bit INTEGER; PostgreSQL refuses a larger parameter (a 500), and
SQLite refuses one past 64 bits. The bound is in the converter's regex, not in ``to_python``:
werkzeug answers a value refused there with a 405 when a route beside it takes another method.
"""

from werkzeug.routing import IntegerConverter, Map

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


def digits_at_most(limit: str) -> str:
    """A regex of the strings of exactly ``len(limit)`` ASCII digits whose value is <= ``limit``."""
    head, rest = int(limit[0]), limit[1:]
    if not rest:
        return f"[0-{head}]"
    below = f"[0-{head - 1}][0-9]{{{len(rest)}}}|" if head else ""
    return f"(?:{below}{head}(?:{digits_at_most(rest)}))"


def at_most(limit: int) -> str:
    """A regex of the decimal numbers 0..``limit``, leading zeros allowed (as werkzeug's int)."""
    digits = str(limit)
    shorter = f"[0-9]{{1,{len(digits) - 1}}}|" if len(digits) > 1 else ""
    return f"0*(?:{shorter}{digits_at_most(digits)})"


class BoundedIntegerConverter(IntegerConverter):
    """``<int:...>`` as werkzeug's, at most ``max`` (default: what an INTEGER column holds)."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = INT32_MAX, signed: bool = False) -> None:
        max = INT64_MAX if max is None else max
        super().__init__(map, fixed_digits, min, max, signed)
        self.regex = ("-?" if signed else "") + at_most(max)
