"""A SOQL subset: tokenizer and recursive-descent parser; what it does not support it refuses as Salesforce does."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Final

from sandbox.salesforce.dateliterals import RELATIVE_DATES, RELATIVE_N_DATES, RelativeDate
from sandbox.salesforce.errors import QueryError

KEYWORDS: Final = frozenset({
    "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "ASC", "DESC", "NULLS", "LIMIT",
    "OFFSET", "TRUE", "FALSE", "NULL", "GROUP", "HAVING", "WITH", "FOR", "TYPEOF", "USING", "INCLUDES",
    "EXCLUDES", "UPDATE", "VIEW", "REFERENCE",
})  # fmt: skip
_TOKEN: Final = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<baddatetime>\d{4}-\d{2}-\d{2}T[\d:.]*)
  | (?P<date>\d{4}-\d{2}-\d{2}(?![\dT]))
  | (?P<number>[+-]?(?:\d+\.?\d*|\.\d+))
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<punct>[(),.:])
    """,
    re.VERBOSE,
)
_ESCAPES: Final = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "'": "'", '"': '"', "\\": "\\"}


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # ws, datetime, date, number, string, ident, op, punct, eof
    text: str
    line: int
    col: int

    @property
    def upper(self) -> str:
        return self.text.upper()


@dataclass(frozen=True, slots=True)
class Field:
    """A field path as written: ("Name",) or ("Account", "Owner", "Email")."""

    path: tuple[str, ...]
    line: int
    col: int


Literal = str | int | float | bool | None | date | datetime | RelativeDate


@dataclass(frozen=True, slots=True)
class Value:
    """A literal with the token it came from (quoted strings and numbers are told apart for type checks)."""

    value: Literal
    kind: str  # string, number, date, datetime, boolean, null, relative
    line: int
    col: int


@dataclass(frozen=True, slots=True)
class Compare:
    field: Field
    op: str  # = != < <= > >= LIKE IN NOT IN
    values: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class BoolOp:
    op: str  # AND, OR
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Condition


Condition = Compare | BoolOp | Not


@dataclass(frozen=True, slots=True)
class Order:
    field: Field
    descending: bool
    nulls_last: bool


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    fields: tuple[Field, ...]
    count_only: bool
    sobject: str
    sobject_line: int
    sobject_col: int
    where: Condition | None
    order_by: tuple[Order, ...]
    limit: int | None
    offset: int | None


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos, line, line_start = 0, 1, 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        col = pos - line_start + 1
        if match is None:
            bad = text[pos]
            raise QueryError("MALFORMED_QUERY", f"unexpected token: '{bad}'", text, line, col)
        kind = match.lastgroup or "ws"
        if kind != "ws":
            tokens.append(Token(kind, match.group(), line, col))
        for offset, char in enumerate(match.group()):
            if char == "\n":
                line, line_start = line + 1, pos + offset + 1
        pos = match.end()
    tokens.append(Token("eof", "<EOF>", line, pos - line_start + 1))
    return tokens


def parse(text: str) -> Query:
    """Parse a query of the supported subset, or raise the QueryError Salesforce would answer."""
    return _Parser(text).query()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0

    # --- token plumbing -------------------------------------------------------------------------------
    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]

    def take(self) -> Token:
        token = self.peek()
        self.pos += 1
        return token

    def at_keyword(self, *words: str) -> bool:
        token = self.peek()
        return token.kind == "ident" and token.upper in words

    def fail(self, token: Token | None = None) -> QueryError:
        token = token or self.peek()
        shown = "<EOF>" if token.kind == "eof" else f"'{token.text}'"
        return QueryError("MALFORMED_QUERY", f"unexpected token: {shown}", self.text, token.line, token.col)

    def expect_keyword(self, word: str) -> Token:
        if not self.at_keyword(word):
            raise self.fail()
        return self.take()

    def expect_punct(self, char: str) -> Token:
        token = self.peek()
        if token.kind != "punct" or token.text != char:
            raise self.fail()
        return self.take()

    # --- grammar -------------------------------------------------------------------------------------
    def query(self) -> Query:
        self.expect_keyword("SELECT")
        count_only, fields = self.select_list()
        self.expect_keyword("FROM")
        sobject = self.take()
        if sobject.kind != "ident" or sobject.upper in KEYWORDS:
            raise self.fail(sobject)
        where = None
        if self.at_keyword("WHERE"):
            self.take()
            where = self.condition()
        order_by = self.order_by() if self.at_keyword("ORDER") else ()
        limit = self.integer_clause("LIMIT")
        offset = self.integer_clause("OFFSET")
        if self.peek().kind != "eof":
            raise self.fail()
        return Query(
            self.text, fields, count_only, sobject.text, sobject.line, sobject.col, where, order_by, limit, offset
        )

    def select_list(self) -> tuple[bool, tuple[Field, ...]]:
        if self.at_keyword("COUNT") and self.peek(1).text == "(" and self.peek(2).text == ")":
            self.pos += 3
            if not self.at_keyword("FROM"):
                raise self.fail()
            return True, ()
        fields = [self.field()]
        while self.peek().text == ",":
            self.take()
            fields.append(self.field())
        return False, tuple(fields)

    def field(self) -> Field:
        first = self.take()
        if first.kind != "ident" or first.upper in KEYWORDS:
            raise self.fail(first)
        if self.peek().text == "(":  # functions: COUNT(Id), FIELDS(ALL), toLabel(...), convertCurrency(...)
            raise self.fail(self.peek())
        path = [first.text]
        while self.peek().text == ".":
            self.take()
            part = self.take()
            if part.kind != "ident":
                raise self.fail(part)
            path.append(part.text)
        return Field(tuple(path), first.line, first.col)

    def condition(self) -> Condition:
        items = [self.unary()]
        joiner: str | None = None
        while self.at_keyword("AND", "OR"):
            word = self.peek().upper
            if joiner is not None and word != joiner:
                raise self.fail()  # SOQL needs parentheses to mix AND and OR
            joiner = word
            self.take()
            items.append(self.unary())
        return items[0] if joiner is None else BoolOp(joiner, tuple(items))

    def unary(self) -> Condition:
        if self.at_keyword("NOT"):
            self.take()
            return Not(self.unary())
        if self.peek().text == "(":
            self.take()
            inner = self.condition()
            self.expect_punct(")")
            return inner
        return self.comparison()

    def comparison(self) -> Compare:
        field = self.field()
        token = self.peek()
        if token.kind == "op":
            self.take()
            op = "!=" if token.text == "<>" else token.text
            return Compare(field, op, (self.value(),))
        if self.at_keyword("LIKE"):
            self.take()
            return Compare(field, "LIKE", (self.value(),))
        if self.at_keyword("NOT") and self.peek(1).upper == "IN":
            self.pos += 2
            return Compare(field, "NOT IN", self.value_list())
        if self.at_keyword("IN"):
            self.take()
            return Compare(field, "IN", self.value_list())
        raise self.fail()

    def value_list(self) -> tuple[Value, ...]:
        self.expect_punct("(")
        if self.at_keyword("SELECT"):  # semi-join subqueries are outside the subset
            raise self.fail()
        values = [self.value()]
        while self.peek().text == ",":
            self.take()
            values.append(self.value())
        self.expect_punct(")")
        return tuple(values)

    def value(self) -> Value:
        token = self.take()
        at = (token.line, token.col)
        if token.kind == "string":
            return Value(_unquote(token.text), "string", *at)
        if token.kind == "number":
            number: int | float = float(token.text) if "." in token.text else int(token.text)
            return Value(number, "number", *at)
        if token.kind == "date":
            return Value(self.parse_date(token), "date", *at)
        if token.kind == "datetime":
            return Value(self.parse_datetime(token), "datetime", *at)
        if token.kind == "ident":
            return self.word_value(token)
        raise self.fail(token)

    def word_value(self, token: Token) -> Value:
        at = (token.line, token.col)
        word = token.upper
        if word in {"TRUE", "FALSE"}:
            return Value(word == "TRUE", "boolean", *at)
        if word == "NULL":
            return Value(None, "null", *at)
        if word in RELATIVE_DATES:
            return Value(RelativeDate(word), "relative", *at)
        if word in RELATIVE_N_DATES:
            self.expect_punct(":")
            count = self.take()
            if count.kind != "number" or not count.text.isdigit():
                raise self.fail(count)
            return Value(RelativeDate(word, int(count.text)), "relative", *at)
        raise self.fail(token)

    def parse_date(self, token: Token) -> date:
        try:
            return date.fromisoformat(token.text)
        except ValueError:
            raise self.fail(token) from None

    def parse_datetime(self, token: Token) -> datetime:
        text = token.text.replace("Z", "+00:00")
        if re.search(r"[+-]\d{4}$", text):
            text = f"{text[:-2]}:{text[-2:]}"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise self.fail(token) from None
        return parsed.astimezone(UTC)

    def order_by(self) -> tuple[Order, ...]:
        self.take()
        self.expect_keyword("BY")
        items = [self.order_item()]
        while self.peek().text == ",":
            self.take()
            items.append(self.order_item())
        return tuple(items)

    def order_item(self) -> Order:
        field = self.field()
        descending = False
        if self.at_keyword("ASC", "DESC"):
            descending = self.take().upper == "DESC"
        nulls_last = descending
        if self.at_keyword("NULLS"):
            self.take()
            if not self.at_keyword("FIRST", "LAST"):
                raise self.fail()
            nulls_last = self.take().upper == "LAST"
        return Order(field, descending, nulls_last)

    def integer_clause(self, word: str) -> int | None:
        if not self.at_keyword(word):
            return None
        self.take()
        token = self.take()
        if token.kind != "number" or not token.text.isdigit():
            raise self.fail(token)
        return int(token.text)


def _unquote(quoted: str) -> str:
    body = quoted[1:-1]
    if "\\" not in body:
        return body
    out: list[str] = []
    chars = iter(body)
    for char in chars:
        if char != "\\":
            out.append(char)
            continue
        escaped = next(chars, "")
        out.append(_ESCAPES.get(escaped, "\\" + escaped))  # \_ and \% stay escaped for LIKE
    return "".join(out)
