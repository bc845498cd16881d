"""Words for numbers in messages; imports nothing, so the start-up path can use it."""


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """``1 part``, ``2 parts``: a number with its noun in the right form."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"
