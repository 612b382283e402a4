"""GlueContext with its readers and writers, over local tables and folders."""

from __future__ import annotations

import logging
import os
import shutil
import time

from pyspark.sql import SparkSession

from awsglue.dynamicframe import DynamicFrame
from awsglue.job import glue_context_job, list_files
from glue2lakehouse.verify.environment import current

JDBC = {"mysql", "postgresql", "oracle", "sqlserver", "redshift"}
CSV_OPTIONS = {"withHeader": "header", "separator": "sep", "quoteChar": "quote", "escaper": "escape",
               "multiline": "multiLine"}
JSON_OPTIONS = {"multiline": "multiLine"}


def _session() -> SparkSession:
    return SparkSession.builder.getOrCreate()


def _file_format(fmt: str) -> str:
    return "parquet" if fmt == "glueparquet" else fmt


class _Logger(logging.LoggerAdapter):
    def warn(self, msg, *args, **kwargs):  # Glue's logger has warn
        self.warning(msg, *args, **kwargs)


class DynamicFrameReader:
    def __init__(self, glue_context, data_frames: bool = False):
        self.glue_context = glue_context
        self.data_frames = data_frames

    def _wrap(self, df, name=""):
        return df if self.data_frames else DynamicFrame(df, self.glue_context, name)

    def from_catalog(self, database=None, table_name=None, redshift_tmp_dir="", transformation_ctx="",
                     push_down_predicate="", additional_options=None, catalog_id=None, name_space=None, **kwargs):
        database = database or name_space
        df = _session().table(f"{database}.{table_name}")
        job = glue_context_job(self.glue_context)
        if job is not None and transformation_ctx and job.option != "job-bookmark-disable":
            # A catalog table on S3 is bookmarked by the files of its location (their times as the file system has them).
            from urllib.parse import urlparse

            from pyspark.sql import functions as F

            files = [row[0] for row in df.select("_metadata.file_path").distinct().collect()]
            listing = sorted((uri, list_files(urlparse(uri).path, False)[0][1]) for uri in files)
            chosen = job.files(transformation_ctx, f"table:{database}.{table_name}", listing)
            df = df.where(F.col("_metadata.file_path").isin(chosen))
        if push_down_predicate:
            df = df.where(push_down_predicate)
        return self._wrap(df, table_name)

    def from_options(self, connection_type, connection_options=None, format=None, format_options=None,  # noqa: A002
                     transformation_ctx="", push_down_predicate="", **kwargs):
        options = dict(connection_options or {})
        if connection_type in JDBC:
            job = glue_context_job(self.glue_context)
            bookmarked = job is not None and transformation_ctx and job.option != "job-bookmark-disable"
            return self._wrap(_read_jdbc(connection_type, options, bookmarked), options.get("dbtable", ""))
        if connection_type != "s3":
            raise NotImplementedError(f"connection_type {connection_type!r} is not emulated")
        fmt = _file_format(format)
        reader = _session().read.format(fmt)
        if options.get("recurse"):
            reader = reader.option("recursiveFileLookup", True)
        mapping = CSV_OPTIONS if fmt == "csv" else JSON_OPTIONS if fmt == "json" else {}
        for key, value in (format_options or {}).items():
            if key in mapping:
                reader = reader.option(mapping[key], value)
            elif key in ("skipFirst", "optimizePerformance", "strictCheckForQuoting"):
                continue
            else:
                raise NotImplementedError(f"format option {key!r} is not emulated")
        paths = options["paths"]
        paths = [paths] if isinstance(paths, str) else list(paths)
        job = glue_context_job(self.glue_context)
        if job is not None and transformation_ctx and job.option != "job-bookmark-disable":
            listing = [item for path in paths for item in list_files(current().read_path(path),
                                                                     bool(options.get("recurse")))]
            chosen = job.files(transformation_ctx, f"s3:{sorted(paths)}", listing)
            return self._wrap(reader.load(chosen) if chosen else reader.load(paths).limit(0))
        return self._wrap(reader.load(paths))

    def from_rdd(self, data, name, schema=None, sample_ratio=None, transformation_ctx="", **kwargs):
        return self._wrap(_session().createDataFrame(data, schema, samplingRatio=sample_ratio), name)


class DynamicFrameWriter:
    """Glue's sinks append; they never overwrite."""

    def __init__(self, glue_context):
        self.glue_context = glue_context

    def from_catalog(self, frame, database=None, table_name=None, redshift_tmp_dir="", transformation_ctx="",
                     additional_options=None, catalog_id=None, name_space=None, **kwargs):
        database = database or name_space
        keys = (additional_options or {}).get("partitionKeys") or []
        return _append_table(frame.toDF(), f"{database}.{table_name}", keys)

    def from_options(self, frame, connection_type, connection_options=None, format=None,  # noqa: A002
                     format_options=None, transformation_ctx="", **kwargs):
        options = dict(connection_options or {})
        if connection_type in JDBC:
            return _write_jdbc(frame.toDF(), connection_type, options)
        if connection_type != "s3":
            raise NotImplementedError(f"connection_type {connection_type!r} is not emulated")
        return _write_files(frame.toDF(), options["path"], format, dict(format_options or {}),
                            options.get("partitionKeys") or [], options.get("compression"))

    def from_jdbc_conf(self, frame, catalog_connection, connection_options=None, redshift_tmp_dir="",
                       transformation_ctx="", catalog_id=None):
        raise NotImplementedError("JDBC sinks through Glue connections are not emulated")


JDBC_IGNORED = {"hashfield", "hashexpression", "hashpartitions", "bulksize", "redshifttmpdir", "aws_iam_role",
                "database"}


def _jdbc_options(connection_type: str, options: dict, sink: bool) -> dict:
    """A JDBC source's or sink's connection options as Spark's JDBC options (the runner's patches take the URL to
    the run's database); what Glue does that the emulator does not is named."""
    given = {key.lower(): value for key, value in options.items()}
    if given.get("useconnectionproperties") or given.get("connectionname"):
        raise NotImplementedError(f"{connection_type} through a Glue connection is not emulated")
    if "url" not in given or "dbtable" not in given:
        raise NotImplementedError(f"a {connection_type} {'sink' if sink else 'source'} without url and dbtable "
                                  "is not emulated")
    unknown = sorted(set(given) - {"url", "dbtable", "user", "password"} - JDBC_IGNORED - {"jobbookmarkkeys",
                                                                                          "jobbookmarkkeyssortorder"})
    if unknown:
        raise NotImplementedError(f"{connection_type} option {unknown[0]!r} is not emulated")
    return {key: given[key] for key in ("url", "dbtable", "user", "password") if key in given}


def _read_jdbc(connection_type: str, options: dict, bookmarked: bool):
    """Glue's JDBC read: the table through Spark's JDBC reader."""
    if bookmarked:
        raise NotImplementedError("JDBC bookmarks (jobBookmarkKeys) are not emulated")
    return _session().read.format("jdbc").options(**_jdbc_options(connection_type, options, False)).load()


def _write_jdbc(df, connection_type: str, options: dict) -> None:
    """Glue's JDBC sink appends to the table (and creates it when it does not exist)."""
    df.write.format("jdbc").options(**_jdbc_options(connection_type, options, True)).mode("append").save()
    return None


def _append_table(df, name: str, partition_keys) -> None:
    writer = df.write.mode("append")
    if partition_keys:
        writer = writer.partitionBy(*partition_keys)
    writer.saveAsTable(name)  # recorded by the runner's Spark patches
    return None


def _write_files(df, path: str, fmt: str, format_options: dict, partition_keys, compression=None) -> None:
    fmt = _file_format(fmt)
    writer = df.write.mode("append").format(fmt)
    if partition_keys:
        writer = writer.partitionBy(*partition_keys)
    if fmt == "csv":
        writer = writer.option("header", format_options.pop("writeHeader", format_options.pop("withHeader", True)))
        if "separator" in format_options:
            writer = writer.option("sep", format_options.pop("separator"))
    for key, value in format_options.items():
        if key in ("useGlueParquetWriter", "blockSize", "pageSize"):
            continue
        writer = writer.option(key, value)
    if compression:
        writer = writer.option("compression", compression)
    writer.save(path)  # the path is mapped and recorded by the runner's Spark patches
    return None


class _Sink:
    def __init__(self, glue_context, options):
        self.glue_context = glue_context
        self.options = options
        self.catalog = None
        self.format = None
        self.format_options = {}

    def setCatalogInfo(self, catalogDatabase, catalogTableName, catalogId=None):  # noqa: N802, N803
        self.catalog = (catalogDatabase, catalogTableName)

    def setFormat(self, format, **options):  # noqa: N802, A002
        self.format = format
        self.format_options = options

    def writeFrame(self, dynamic_frame, info=""):  # noqa: N802
        keys = self.options.get("partitionKeys") or []
        if self.catalog:
            return _append_table(dynamic_frame.toDF(), f"{self.catalog[0]}.{self.catalog[1]}", keys)
        return _write_files(dynamic_frame.toDF(), self.options["path"], self.format or "parquet",
                            dict(self.format_options), keys, self.options.get("compression"))


class GlueContext:
    def __init__(self, spark_context_or_session, **options):
        self._source = spark_context_or_session
        self.create_dynamic_frame = DynamicFrameReader(self)
        self.create_data_frame = DynamicFrameReader(self, data_frames=True)
        self.write_dynamic_frame = DynamicFrameWriter(self)

    # ---- the method forms: the same readers and writers under GlueContext's own method names
    def create_dynamic_frame_from_catalog(self, *args, **kwargs):
        return self.create_dynamic_frame.from_catalog(*args, **kwargs)

    def create_dynamic_frame_from_options(self, *args, **kwargs):
        return self.create_dynamic_frame.from_options(*args, **kwargs)

    def create_dynamic_frame_from_rdd(self, *args, **kwargs):
        return self.create_dynamic_frame.from_rdd(*args, **kwargs)

    def create_data_frame_from_catalog(self, *args, **kwargs):
        return self.create_data_frame.from_catalog(*args, **kwargs)

    def create_data_frame_from_options(self, *args, **kwargs):
        return self.create_data_frame.from_options(*args, **kwargs)

    def write_dynamic_frame_from_catalog(self, *args, **kwargs):
        return self.write_dynamic_frame.from_catalog(*args, **kwargs)

    def write_dynamic_frame_from_options(self, *args, **kwargs):
        return self.write_dynamic_frame.from_options(*args, **kwargs)

    def write_dynamic_frame_from_jdbc_conf(self, *args, **kwargs):
        return self.write_dynamic_frame.from_jdbc_conf(*args, **kwargs)

    def write_from_options(self, frame_or_dfc, connection_type, connection_options=None, format=None,  # noqa: A002
                           format_options=None, transformation_ctx="", **kwargs):
        return self.write_dynamic_frame.from_options(frame_or_dfc, connection_type, connection_options, format,
                                                     format_options, transformation_ctx)

    @property
    def spark_session(self) -> SparkSession:
        return _session()

    def get_logger(self):
        return _Logger(logging.getLogger("awsglue"), {})

    def getSink(self, connection_type="s3", path=None, **options):  # noqa: N802
        return _Sink(self, {"connection_type": connection_type, "path": path, **options})

    def purge_s3_path(self, s3_path, options=None, transformation_ctx=""):
        """Deletes the files under the prefix, recursively, that are older than retentionPeriod hours (default 168):
        younger files stay. The storage-class exclusions change nothing on local files; a manifest is not emulated."""
        options = dict(options or {})
        if options.get("manifestFilePath"):
            raise NotImplementedError("purge_s3_path's manifestFilePath (a list of the deleted files) is not emulated")
        hours = float(options.get("retentionPeriod", 168))
        root = current().write_path(s3_path)
        if hours <= 0:
            shutil.rmtree(root, ignore_errors=True)
            return
        cutoff = time.time() - hours * 3600
        for folder, _dirs, files in os.walk(root):
            for name in files:
                path = os.path.join(folder, name)
                if os.path.getmtime(path) < cutoff:
                    os.remove(path)

    def purge_table(self, database, table_name, options=None, transformation_ctx="", catalog_id=None):
        """Deletes the table's files older than retentionPeriod hours (default 168); only 0 (all) is emulated."""
        if (options or {}).get("retentionPeriod", 168) != 0:
            raise NotImplementedError("purge_table keeps files younger than retentionPeriod: only 0 is emulated")
        _session().sql(f"TRUNCATE TABLE {database}.{table_name}")

    def tableNames(self, database, catalog_id=None):  # noqa: N802
        """The names of the database's tables in the Data Catalog."""
        return [table.name for table in _session().catalog.listTables(database)]

    def extract_jdbc_conf(self, connection_name, catalog_id=None):
        raise NotImplementedError("Glue connections are not emulated")

    def forEachBatch(self, frame, batch_function, options=None):  # noqa: N802
        raise NotImplementedError("streaming (forEachBatch) is not emulated")
