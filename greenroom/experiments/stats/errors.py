"""Typed errors the statistics raise: each names what is wrong in words the page can show."""


class StatsError(ValueError):
    """Something about the input stops a statistic from meaning anything."""

    code = "invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(StatsError):
    """A parameter out of range (alpha, power, baseline...), named by ``field``."""

    code = "invalid_input"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class BadSplit(StatsError):
    """The planned traffic split does not add up to 100 % (or has a negative share)."""

    code = "bad_split"


class EmptyVariant(StatsError):
    """A variant (or the control) has no users, so nothing can be compared with it."""

    code = "empty_variant"


class NotEnoughData(StatsError):
    """Too few users (or conversions) yet: any p-value would mislead."""

    code = "not_enough_data"


class ZeroVariance(StatsError):
    """Every user has the same value in an arm: no spread, no test."""

    code = "zero_variance"


class ZeroBaseline(StatsError):
    """The control's mean is 0 (or below): a relative lift is undefined."""

    code = "zero_baseline"
