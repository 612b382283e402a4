"""The tables a plain SELECT names, read without sqlglot: the common case of ``spark.sql`` qualification.

``qualify_sql`` (rules/misc.py) needs the ``<database>.<table>`` references of a SQL literal. sqlglot finds
them for any SQL, but importing it costs a conversion about a quarter of a second of start-up, more than the
rest of the rule. Most SQL in Glue jobs is a plain query: ``SELECT ... FROM db.t [alias] [JOIN db.u ON ...]
[WHERE ...] [GROUP BY ...] [HAVING ...] [ORDER BY ...] [LIMIT n]``. ``tables`` reads exactly that language
(expressions of names, literals, arithmetic, comparisons, AND/OR/NOT, IN, BETWEEN, LIKE, IS NULL, CASE, and a
few aggregate and string functions) and gives the table references sqlglot would give for it (sqlglot's
``exp.Table`` nodes with a database and no catalog); for anything else it answers None and the caller asks
sqlglot. Every word sqlglot's Spark tokenizer reads as a keyword is refused as a name (``KEYWORDS``), so a text
this module accepts is one sqlglot parses the same way: ``tests/test_sql_names.py`` checks both on generated
queries and refreshes nothing by itself (a sqlglot upgrade with new keywords fails that test).
"""

from __future__ import annotations

import re

# Every word of sqlglot's Spark tokenizer keywords (sqlglot 30.31; tests/test_sql_names.py checks it still covers
# the installed sqlglot's): never a name here.
KEYWORDS = frozenset("""
    ADD ALL ALTER ANALYZE AND ANTI ANY APPLY ARCHIVE ARCHIVES ARRAY AS ASC ASOF AUTOINCREMENT AUTO_INCREMENT
    BEGIN BETWEEN BIGDECIMAL BIGINT BIGNUM BIGNUMERIC BINARY BIT BLOB BOOL BOOLEAN BPCHAR BY BYTE BYTEA CACHE
    CALL CASE CHAR CHARACTER CLOB CLUSTER COLLATE COLUMN COMMENT COMMIT CONNECT CONSTRAINT COPY CREATE CROSS
    CUBE CURRENT_CATALOG CURRENT_DATE CURRENT_SCHEMA CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER DATABASE DATE
    DATEMULTIRANGE DATERANGE DATETIME DEC DECFLOAT DECIMAL DECIMAL128 DECIMAL256 DECIMAL32 DECIMAL64 DECLARE
    DEFAULT DEFINED DELETE DESC DESCRIBE DISTINCT DISTRIBUTE DIV DOUBLE DROP ELSE END ENUM ESCAPE EXCEPT
    EXECUTE EXISTS EXPLAIN FALSE FETCH FILE FILES FILTER FIRST FIXED FLOAT FLOAT4 FLOAT8 FOR FOREIGN FORMAT
    FROM FULL FUNCTION GEOGRAPHY GEOMETRY GLOB GRANT GROUP GROUPING HAVING HUGEINT ILIKE IN INDEX INET INNER
    INSERT INT INT1 INT128 INT16 INT2 INT256 INT32 INT4 INT4MULTIRANGE INT4RANGE INT64 INT8 INT8MULTIRANGE
    INT8RANGE INTEGER INTERSECT INTERVAL INTO IS ISNULL JAR JARS JOIN JSON JSONB KEEP KEY KILL LATERAL LEFT
    LIKE LIMIT LIST LOAD LOCALTIME LOCALTIMESTAMP LOCK LONG LONGBLOB LONGTEXT LONGVARCHAR MAP MEDIUMBLOB
    MEDIUMINT MEDIUMTEXT MERGE MINUS MSCK NAMESPACE NATURAL NCHAR NEXT NOT NOTNULL NULL NULLABLE NUMBER
    NUMERIC NUMMULTIRANGE NUMRANGE NVARCHAR NVARCHAR2 OBJECT OFFSET ON OPERATOR OPTIMIZE OR ORDER ORDINALITY
    OUT OUTER OVER OVERLAPS OVERWRITE PARTITION PARTITIONED PARTITIONED_BY PERCENT PIVOT PRAGMA PRECISION
    PREPARE PRIMARY PROCEDURE QUALIFY RANGE REAL RECURSIVE REF REFERENCES REFRESH REGEXP RELEASE RENAME REPAIR
    REPLACE RETURNING REVOKE RIGHT RLIKE ROLLBACK ROLLUP ROW ROWS SAVEPOINT SCHEMA SECURITY SELECT SEMI SEQUENCE
    SERDEPROPERTIES
    SESSION SESSION_USER SET SETS SETTINGS SHORT SHOW SIMILAR SMALLINT SOME SORT SQL STR STRAIGHT_JOIN STRING
    STRUCT TABLE TABLESAMPLE TEMP TEMPORARY TEXT THEN TIME TIMESTAMP TIMESTAMPLTZ TIMESTAMPNTZ TIMESTAMPTZ
    TIMESTAMP_LTZ TIMESTAMP_NTZ TIMETZ TIME_NS TINYBLOB TINYINT TINYTEXT TO TRIGGER TRUE TRUNCATE TSMULTIRANGE
    TSRANGE TSTZMULTIRANGE TSTZRANGE UHUGEINT UINT UINT128 UINT256 UNCACHE UNION UNIQUE UNKNOWN UNNEST UNPIVOT
    UPDATE USE USER USING UUID VACUUM VALUES VARBINARY VARCHAR VARCHAR2 VARIANT VARYING VECTOR VIEW VOLATILE
    WHEN WHERE WINDOW WITH XOR
""".split())

# Functions read here, with the number of arguments each takes (sqlglot checks the count of the ones it knows).
FUNCTIONS = {"COUNT": (1, 1), "SUM": (1, 1), "AVG": (1, 1), "MIN": (1, 1), "MAX": (1, 1), "LOWER": (1, 1),
             "UPPER": (1, 1), "ABS": (1, 1), "ROUND": (1, 2), "COALESCE": (1, 8), "CONCAT": (1, 8)}

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<quoted>`[A-Za-z0-9_]+`)
  | (?P<number>[0-9]+(?:\.[0-9]+)?(?![A-Za-z0-9_.]))
  | (?P<string>'[^'\\\r\n]*'|"[^"\\\r\n]*")
  | (?P<op><>|!=|<=|>=|\|\||[=<>+\-*/%(),.])
""", re.VERBOSE)


class _Refused(Exception):
    """Outside the language read here: sqlglot decides."""


def _tokens(text: str) -> list[tuple[str, str, bool]]:
    """(kind, value, preceded by white space) for each token; _Refused for any character outside the language."""
    out: list[tuple[str, str, bool]] = []
    position, spaced = 0, True
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise _Refused
        kind, value = match.lastgroup, match.group()
        position = match.end()
        if kind == "space":
            spaced = True
            continue
        if kind == "name":
            if value.upper() in KEYWORDS:
                kind, value = "keyword", value.upper()
        elif kind == "quoted":
            kind, value = "name", value[1:-1]
        out.append((kind, value, spaced))
        spaced = False
    return out


class _Reader:
    def __init__(self, tokens):
        self.tokens = tokens
        self.at = 0
        self.tables: list[list[str]] = []

    # ---- tokens
    def peek(self, offset: int = 0) -> tuple[str, str, bool]:
        index = self.at + offset
        return self.tokens[index] if index < len(self.tokens) else ("end", "", True)

    def is_word(self, word: str, offset: int = 0) -> bool:
        kind, value, _ = self.peek(offset)
        return kind == "keyword" and value == word

    def accept(self, word: str) -> bool:
        if self.is_word(word):
            self.at += 1
            return True
        return False

    def expect(self, word: str) -> None:
        if not self.accept(word):
            raise _Refused

    def accept_op(self, op: str) -> bool:
        kind, value, _ = self.peek()
        if kind == "op" and value == op:
            self.at += 1
            return True
        return False

    def expect_op(self, op: str) -> None:
        if not self.accept_op(op):
            raise _Refused

    def name(self) -> str:
        kind, value, _ = self.peek()
        if kind != "name":
            raise _Refused
        self.at += 1
        return value

    def dotted(self, most: int) -> list[str]:
        """name(.name)*, the dots written without white space around them."""
        parts = [self.name()]
        while self.peek()[:2] == ("op", ".") and not self.peek()[2]:
            if self.peek(1)[2]:
                raise _Refused
            if self.peek(1)[:2] == ("op", "*"):
                break  # t.*: the caller reads it
            self.at += 1
            parts.append(self.name())
        if len(parts) > most:
            raise _Refused
        return parts

    # ---- the query
    def query(self) -> None:
        self.expect("SELECT")
        self.accept("DISTINCT")
        self.items()
        self.expect("FROM")
        self.table()
        while True:
            if self.accept("CROSS"):
                self.expect("JOIN")
                self.table()
                continue
            for side in ("INNER", "LEFT", "RIGHT", "FULL"):
                if self.accept(side):
                    if side != "INNER":
                        self.accept("OUTER")
                    if not self.is_word("JOIN"):
                        raise _Refused
                    break
            if not self.accept("JOIN"):
                break
            self.table()
            self.expect("ON")
            self.expression()
        if self.accept("WHERE"):
            self.expression()
        if self.accept("GROUP"):
            self.expect("BY")
            self.expressions()
        if self.accept("HAVING"):
            self.expression()
        if self.accept("ORDER"):
            self.expect("BY")
            while True:
                self.expression()
                if not self.accept("ASC"):
                    self.accept("DESC")
                if not self.accept_op(","):
                    break
        if self.accept("LIMIT"):
            if self.peek()[0] != "number" or "." in self.peek()[1]:
                raise _Refused
            self.at += 1
        if self.peek()[0] != "end":
            raise _Refused

    def items(self) -> None:
        while True:
            if not self.accept_op("*"):
                self.expression()
                if self.accept("AS"):
                    self.name()
                elif self.peek()[0] == "name":
                    self.name()
            if not self.accept_op(","):
                return

    def table(self) -> None:
        self.tables.append(self.dotted(3))
        if self.peek()[:2] == ("op", "("):
            raise _Refused  # a table function
        if self.accept("AS"):
            self.name()
        elif self.peek()[0] == "name":
            self.name()

    # ---- expressions
    def expressions(self) -> None:
        self.expression()
        while self.accept_op(","):
            self.expression()

    def expression(self) -> None:
        self.conjunction()
        while self.accept("OR"):
            self.conjunction()

    def conjunction(self) -> None:
        self.negation()
        while self.accept("AND"):
            self.negation()

    def negation(self) -> None:
        if self.accept("NOT"):
            self.negation()
            return
        self.comparison()

    def comparison(self) -> None:
        self.additive()
        kind, value, _ = self.peek()
        if kind == "op" and value in ("=", "<>", "!=", "<", ">", "<=", ">="):
            self.at += 1
            self.additive()
            return
        if self.accept("IS"):
            self.accept("NOT")
            self.expect("NULL")
            return
        negated = self.accept("NOT")
        if self.accept("IN"):
            self.expect_op("(")
            self.expressions()
            self.expect_op(")")
        elif self.accept("BETWEEN"):
            self.additive()
            self.expect("AND")
            self.additive()
        elif self.accept("LIKE"):
            self.additive()
        elif negated:
            raise _Refused

    def additive(self) -> None:
        self.product()
        while self.peek()[0] == "op" and self.peek()[1] in ("+", "-", "||"):
            self.at += 1
            self.product()

    def product(self) -> None:
        self.unary()
        while self.peek()[0] == "op" and self.peek()[1] in ("*", "/", "%"):
            self.at += 1
            self.unary()

    def unary(self) -> None:
        if self.accept_op("-"):
            self.unary()
            return
        kind, value, _ = self.peek()
        if kind in ("number", "string"):
            self.at += 1
        elif self.accept("NULL") or self.accept("TRUE") or self.accept("FALSE"):
            pass
        elif self.accept("CASE"):
            self.case()
        elif self.accept_op("("):
            self.expression()
            self.expect_op(")")
        elif kind == "name" and self.peek(1)[:2] == ("op", "("):
            self.call()
        elif kind == "name":
            self.dotted(4)
            if self.peek()[:2] == ("op", ".") and not self.peek()[2] and self.peek(1)[:2] == ("op", "*"):
                self.at += 2  # t.*
        else:
            raise _Refused

    def call(self) -> None:
        name = self.name().upper()
        if name not in FUNCTIONS:
            raise _Refused
        self.expect_op("(")
        if name == "COUNT" and self.accept_op("*"):
            self.expect_op(")")
            return
        if name == "COUNT":
            self.accept("DISTINCT")
        count = 1
        self.expression()
        while self.accept_op(","):
            self.expression()
            count += 1
        self.expect_op(")")
        least, most = FUNCTIONS[name]
        if not least <= count <= most:
            raise _Refused

    def case(self) -> None:
        if not self.is_word("WHEN"):
            self.expression()  # CASE x WHEN ...
        if not self.is_word("WHEN"):
            raise _Refused
        while self.accept("WHEN"):
            self.expression()
            self.expect("THEN")
            self.expression()
        if self.accept("ELSE"):
            self.expression()
        self.expect("END")


def tables(text: str) -> set[tuple[str, str]] | None:
    """The (database, table) references of a plain SELECT without a catalog, as sqlglot finds them; None for any
    text outside the language read here (sqlglot reads it then)."""
    if "--" in text or "/*" in text:  # comments: sqlglot reads them
        return None
    try:
        reader = _Reader(_tokens(text))
        reader.query()
    except (_Refused, IndexError, RecursionError):
        return None
    return {(parts[0], parts[1]) for parts in reader.tables if len(parts) == 2}
