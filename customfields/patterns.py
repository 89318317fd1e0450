"""The one place a user-supplied regular expression is compiled and run (a text field's
`validation_rules.pattern`).

Patterns run on RE2, whose matching time is linear in the length of the value whatever the
pattern, so a pattern like `(a+)+$` cannot pin a worker the way Python's backtracking `re`
can. RE2 refuses what it cannot run in linear time (backreferences, lookaround); those, invalid
syntax, over-long patterns and patterns whose compiled program is too big are a ValidationError
keyed `validation_rules`.
"""

from functools import lru_cache

import re2
from django.core.exceptions import ValidationError

MAX_PATTERN_LENGTH = 500  # characters of the pattern itself
MAX_PROGRAM_SIZE = 10_000  # RE2 instructions; `.{500}` is about 4,000
MAX_MEMORY = 2 << 20  # bytes RE2 may use for the compiled program and its DFA cache
MAX_VALUE_LENGTH = 1_000  # longer values are never matched (text values stop at 500)


def _options() -> re2.Options:
    options = re2.Options()
    options.max_mem = MAX_MEMORY
    options.log_errors = False  # the reason is in the ValidationError, not on stderr
    return options


def _invalid(reason: str) -> ValidationError:
    return ValidationError({"validation_rules": [f"'pattern' {reason}"]})


@lru_cache(maxsize=512)
def _compiled(pattern: str):
    """The compiled pattern; raises ValidationError. Only successes are cached (lru_cache does
    not keep exceptions), and each entry is bounded by MAX_PATTERN_LENGTH and MAX_MEMORY."""
    try:
        compiled = re2.compile(pattern, _options())
    except re2.error as exc:
        detail = exc.args[0] if exc.args else ""
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        detail = str(detail)
        if "too large" in detail or "repetition size" in detail:
            raise _invalid(f"is too complex to check ({detail}).") from None
        hint = ""
        if "perl operator" in detail or "escape sequence" in detail:
            hint = " Backreferences (\\1) and lookarounds (?=…) (?!…) (?<=…) are not supported."
        raise _invalid(f"is not a valid regular expression ({detail}).{hint}") from None
    if compiled.programsize > MAX_PROGRAM_SIZE:
        raise _invalid("is too complex to check; simplify it (e.g. smaller {n} repeats).")
    return compiled


def compile_pattern(pattern: str):
    """The compiled RE2 pattern, or ValidationError({"validation_rules": [...]}) saying why
    it cannot be used."""
    if not isinstance(pattern, str):
        raise _invalid("is not a valid regular expression (give it as text).")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise _invalid(f"can be at most {MAX_PATTERN_LENGTH} characters.")
    return _compiled(pattern)


def pattern_matches(pattern: str, value: str) -> bool:
    """Whether the whole of `value` matches `pattern`, in time linear in len(value). Values
    longer than MAX_VALUE_LENGTH do not match. Raises ValidationError if the pattern cannot be
    used (see compile_pattern)."""
    compiled = compile_pattern(pattern)
    if len(value) > MAX_VALUE_LENGTH:
        return False
    return compiled.fullmatch(value) is not None
