"""Column types that behave the same on SQLite and PostgreSQL: aware UTC datetimes, exact money and rates."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Any

from sqlalchemy import DateTime, Dialect, Numeric, String
from sqlalchemy.types import TypeDecorator, TypeEngine


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in, aware UTC out; SQLite (which keeps no zone) stores naive UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class _Exact(TypeDecorator[Decimal]):
    """Exact decimal at a fixed scale: NUMERIC on PostgreSQL, text on SQLite (which has no exact decimal type).

    Values are rounded to the scale before they are stored, on both: PostgreSQL would round them itself and
    SQLite would keep every digit, and the same data must read back as the same digits from either store.
    """

    impl = Numeric()
    cache_ok = True
    precision = 28  # each subclass sets its own
    scale = 10

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))  # room for sign, 20 digits, point and 18 decimals
        return dialect.type_descriptor(Numeric(self.precision, self.scale))

    def process_bind_param(self, value: Decimal | int | float | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        value = Decimal(str(value)) if not isinstance(value, Decimal) else value
        if value.is_finite():
            with localcontext() as wide:  # the default 28 digits cannot hold 20 + 18
                wide.prec = 50
                value = value.quantize(Decimal(1).scaleb(-self.scale), rounding=ROUND_HALF_EVEN)
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(str(value))


class Money(_Exact):
    """An amount: 18 digits before the point, 10 after (a CRM's amounts keep their every decimal)."""

    impl = Numeric(28, 10)
    cache_ok = True
    precision = 28
    scale = 10


class Rate(_Exact):
    """A currency rate: 18 decimals, so that JPY's 1/151 keeps 16 significant digits (6 decimals kept 4)."""

    impl = Numeric(38, 18)
    cache_ok = True
    precision = 38
    scale = 18
