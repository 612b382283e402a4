"""The plain-query reader (transform/sqlnames.py) against sqlglot: same tables, or it steps aside.

``spark.sql`` qualification reads a plain SELECT without loading sqlglot. For a query it reads, it must find
exactly the (database, table) references sqlglot finds (``exp.Table`` with a database and no catalog) and
sqlglot must parse the query; for anything else it must answer None so that sqlglot reads the query.
Checked on real-shaped queries (fixtures/sql_names/queries.sql) and on generated queries of its language.
"""

from __future__ import annotations

import re

import pytest
import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot import exp
from sqlglot.dialects.spark import Spark

from glue2lakehouse.transform.sqlnames import FUNCTIONS, KEYWORDS, tables

from .conftest import FIXTURES


def _sqlglot_tables(text: str) -> set[tuple[str, str]]:
    found = set()
    for statement in sqlglot.parse(text, read="spark"):
        if statement is not None:
            found |= {(t.db, t.name) for t in statement.find_all(exp.Table) if t.db and not t.catalog}
    return found


def _blocks() -> list[tuple[str, str]]:
    text = (FIXTURES / "sql_names" / "queries.sql").read_text()
    body = "\n".join(line for line in text.splitlines() if not line.startswith("-- ")) + "\n"
    out = []
    for block in body.split("\n;;\n"):
        expected, _, query = block.lstrip("\n").partition("\n")
        out.append((expected, query))
    return out


@pytest.mark.parametrize("expected,query", _blocks(), ids=[f"{i}-{e}" for i, (e, _) in enumerate(_blocks())])
def test_real_shaped_queries(expected, query):
    found = tables(query)
    if expected == "read":
        assert found is not None, "the reader should read this plain query"
        assert found == _sqlglot_tables(query)
    else:
        assert found is None, f"outside the reader's language, but it answered {found}"


def test_keywords_cover_the_installed_sqlglot():
    """A sqlglot upgrade that makes a new word a keyword must reach the reader's list (else it would read that word
    as a name where sqlglot does not)."""
    words = {w for key in Spark.tokenizer_class.KEYWORDS for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", key)}
    assert not words - KEYWORDS, f"add to sqlnames.KEYWORDS: {sorted(words - KEYWORDS)}"
    assert not set(FUNCTIONS) & set(Spark.parser_class.FUNCTION_PARSERS)


# ---- generated queries of the reader's language
_names = st.sampled_from(["id", "amount", "region", "ts", "customer_id", "score", "x1", "Status", "`order`"])
_tables = st.sampled_from(["risk_db.positions", "sales.orders", "`raw`.`events`", "prod.risk.customers", "staging",
                           "crm.Customers"])
_aliases = st.sampled_from(["", " t", " AS o", " c2"])


@st.composite
def _expressions(draw, depth=0):
    leaf = st.one_of(_names, st.sampled_from(["1", "2.5", "'OPEN'", '"a b"', "NULL", "TRUE", "t.id", "o.amount"]))
    if depth >= 2:
        return draw(leaf)
    sub = _expressions(depth=depth + 1).map(lambda e: e if e == '"a b"' or " " not in e else f"({e})")
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(leaf)
    if kind == 1:
        return f"{draw(sub)} {draw(st.sampled_from(['+', '-', '*', '/', '%', '||']))} {draw(sub)}"
    if kind == 2:
        return f"{draw(sub)} {draw(st.sampled_from(['=', '<>', '!=', '<', '>', '<=', '>=']))} {draw(sub)}"
    if kind == 3:
        return f"{draw(sub)} {draw(st.sampled_from(['AND', 'OR', 'and']))} {draw(sub)}"
    if kind == 4:
        return f"NOT ({draw(sub)})"
    if kind == 5:
        name = draw(st.sampled_from(sorted(FUNCTIONS)))
        least, most = FUNCTIONS[name]
        count = draw(st.integers(least, min(most, 3)))
        return f"{name.lower() if draw(st.booleans()) else name}({', '.join(draw(sub) for _ in range(count))})"
    if kind == 6:
        return f"{draw(sub)} {draw(st.sampled_from(['IS NULL', 'IS NOT NULL']))}"
    if kind == 7:
        return f"{draw(sub)} {'NOT ' if draw(st.booleans()) else ''}IN ({draw(sub)}, {draw(sub)})"
    if kind == 8:
        return f"{draw(sub)} BETWEEN {draw(leaf)} AND {draw(leaf)}"
    return f"CASE WHEN {draw(sub)} THEN {draw(sub)} ELSE {draw(sub)} END"


@st.composite
def _queries(draw):
    items = draw(st.lists(st.one_of(st.just("*"), _expressions().map(lambda e: e),
                                    st.tuples(_expressions(), _names).map(lambda p: f"{p[0]} AS {p[1]}")),
                          min_size=1, max_size=3))
    query = f"SELECT {'DISTINCT ' if draw(st.booleans()) else ''}{', '.join(items)}\nFROM {draw(_tables)}{draw(_aliases)}"
    for _ in range(draw(st.integers(0, 2))):
        join = draw(st.sampled_from(["JOIN", "LEFT JOIN", "LEFT OUTER JOIN", "INNER JOIN", "FULL OUTER JOIN",
                                     "RIGHT JOIN", "CROSS JOIN"]))
        query += f"\n{join} {draw(_tables)}{draw(_aliases)}"
        if join != "CROSS JOIN":
            query += f" ON {draw(_expressions())}"
    if draw(st.booleans()):
        query += f"\nWHERE {draw(_expressions())}"
    if draw(st.booleans()):
        query += f"\nGROUP BY {draw(_names)}, {draw(_names)}"
    if draw(st.booleans()):
        query += f"\nORDER BY {draw(_names)} {draw(st.sampled_from(['', 'ASC', 'DESC']))}"
    if draw(st.booleans()):
        query += f" LIMIT {draw(st.integers(0, 1000))}"
    return query


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=_queries())
def test_generated_queries_read_as_sqlglot_reads_them(query):
    found = tables(query)
    assert found is not None, "a query of the reader's language"
    assert found == _sqlglot_tables(query)


_pieces = st.sampled_from(["SELECT", "FROM", "JOIN", "ON", "WHERE", "GROUP BY", "AS", "id", "db.t", "a.b.c", "(",
                           ")", ",", "*", "=", "1", "'s'", "count(", "sum(", "AND", "NOT", "IN", "CASE", "WHEN",
                           "THEN", "END", "LIMIT", "ORDER BY", ".", "-", "||", "x", "IS", "NULL"])


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(_pieces, min_size=2, max_size=14))
def test_whatever_the_reader_accepts_sqlglot_parses_the_same(pieces):
    """Token soup: the reader refuses nearly all of it; what it accepts, sqlglot parses with the same tables."""
    query = "SELECT " + " ".join(pieces)
    found = tables(query)
    if found is not None:
        assert found == _sqlglot_tables(query)
