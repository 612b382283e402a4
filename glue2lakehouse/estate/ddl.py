"""Hive / Athena DDL -> Unity Catalog DDL (placeholder)."""
def convert_ddl_file(text, path, transform, settings):
    return text, []
def declared_tables(catalog, transform, settings):
    return []
