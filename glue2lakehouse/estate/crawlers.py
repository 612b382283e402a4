"""What replaces each Glue crawler, said once per crawler.

Databricks has no crawlers: a table is declared (its DDL), or Auto Loader infers and evolves
the schema of files as it reads them. For each crawler, the tables of the estate's DDL that
lie under its S3 paths (or, for a crawler without S3 paths, that are in its database) are
the replacement, named in the finding; paths no DDL table covers get an external table or
Auto Loader. A crawler that was a step of a workflow is also dropped from that job's tasks,
its dependents waiting for what it waited for (``readers/workflow_doc.py``).

Pure: the estate model and the DDL files' texts in, issues out.
"""

from __future__ import annotations

from glue2lakehouse.estate.model import Estate, Issue


def ddl_tables(texts: dict[str, str]) -> list[tuple[str | None, str, str | None, str]]:
    """(database, table, location, path) of every CREATE TABLE in the DDL files."""
    from glue2lakehouse.estate.ddl import parse_create_table, split_statements

    out = []
    for path, text in sorted(texts.items()):
        current = None
        for _, statement in split_statements(text):
            words = statement.split()
            if len(words) >= 2 and words[0].upper() == "USE":
                current = words[1].strip("`;")
                continue
            try:
                table = parse_create_table(statement)
            except (ValueError, IndexError):
                table = None
            if table is not None:
                out.append((table.database or current, table.name, table.location, path))
    return out


def _under(location: str | None, prefix: str) -> bool:
    if not location:
        return False
    location, prefix = location.rstrip("/") + "/", prefix.rstrip("/") + "/"
    return location.startswith(prefix) or prefix.startswith(location)


def crawler_issues(estate: Estate, tables: list[tuple[str | None, str, str | None, str]]) -> list[Issue]:
    issues = []
    for crawler in sorted(estate.crawlers.values(), key=lambda c: c.name):
        paths = [t.split(":", 1)[1] for t in crawler.targets if t.lower().startswith("s3targets:")]
        others = [t for t in crawler.targets if not t.lower().startswith("s3targets:")]
        covered, uncovered = [], []
        for path in paths:
            found = [t for t in tables if _under(t[2], path)]
            covered += [f"{t[0]}.{t[1]}" if t[0] else t[1] for t in found if f"{t[0]}.{t[1]}" not in covered]
            if not found:
                uncovered.append(path)
        if not paths and crawler.database:
            covered = [f"{t[0]}.{t[1]}" for t in tables if t[0] == crawler.database]
        parts = []
        if covered:
            files = sorted({t[3] for t in tables if (f"{t[0]}.{t[1]}" if t[0] else t[1]) in covered})
            parts.append(f"its tables are declared by the converted DDL ({', '.join(covered)} in "
                         f"{', '.join(files)}): create them once, no crawler is needed")
        if uncovered:
            parts.append(f"for {', '.join(uncovered)} (no table of the DDL there) declare an external table "
                         "or read it with Auto Loader, which infers and evolves the schema "
                         "(cloudFiles.schemaLocation)")
        if others:
            parts.append(f"its {', '.join(others)} targets: declare those tables by hand")
        if not parts:
            parts.append("it has no targets: nothing replaces it")
        where = f" and dropped from workflow {crawler.workflow!r} (the jobs after it wait for the jobs before it)" \
            if crawler.workflow else ""
        schedule = f"; its schedule {crawler.schedule} is not converted" if crawler.schedule and (uncovered or others) \
            else ""
        issues.append(Issue(crawler.path, crawler.line, "estate-crawler",
                            f"crawler {crawler.name!r} ({crawler.database or 'no database'}) is not converted{where}: "
                            + "; ".join(parts) + schedule))
    return issues
