"""The snapshot's files transformed on worker processes, blob to blob (``glue2lakehouse/parallel.py``).

On a real git repository holding real-shaped Glue jobs (the fixture jobs, Python 2 and non-UTF-8 files among them),
Terraform, JSON and an empty file: every (blob id, findings) that ``transform_blobs`` gives, on one process and on
two, is the blob of what ``transform_file`` returns for the same bytes, with the same findings, in the same order.
"""

from __future__ import annotations

import pytest

from glue2lakehouse.config import TransformSettings
from glue2lakehouse.estate.cache import blob_id
from glue2lakehouse.gitrepo import GitRepo
from glue2lakehouse.parallel import transform_blobs
from glue2lakehouse.transform import transform_file

from .conftest import FIXTURES
from .helpers import new_repo


NO_JOB_READER = """import sys
from awsglue.context import GlueContext
from pyspark.context import SparkContext

glueContext = GlueContext(SparkContext.getOrCreate())
orders = glueContext.create_dynamic_frame.from_catalog(database="sales", table_name="orders",
                                                       transformation_ctx="orders")
orders.toDF().write.mode("append").parquet("s3://lake/curated/orders/")
"""


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """A repository holding the files' blobs (as ``read_source`` leaves them), and (path, bytes) in path order."""
    root = new_repo(tmp_path_factory.mktemp("dbx"))
    files: dict[str, bytes] = {}
    for path in sorted((FIXTURES / "glue_jobs").rglob("*.py")):
        files[f"glue/{path.relative_to(FIXTURES / 'glue_jobs').as_posix()}"] = path.read_bytes()
    files["glue/latin1_job.py"] = "# caf\u00e9\nprint('x')\n".encode("latin-1")
    files["glue/empty.py"] = b""
    # A bookmarked read without a Job: whether it is flagged depends on the job definition's bookmark option.
    files["glue/no_job_reader.py"] = NO_JOB_READER.encode()
    files["infra/jobs.tf"] = b'resource "aws_glue_job" "a" {\n  name = "a"\n}\n'
    files["exports/jobs.json"] = b'{"Jobs": []}\n'
    repo = GitRepo(root)
    for data in files.values():
        repo.write_blob(data)
    return repo, sorted(files.items())


@pytest.mark.parametrize("workers", [1, 2])
def test_each_blob_is_the_transform_of_its_file(stored, workers):
    repo, files = stored
    settings = TransformSettings(catalog="prod",
                                 bookmarks={"glue/jdbc_incremental_bookmarks.py": "job-bookmark-enable"})
    results = list(transform_blobs(repo, [(path, blob_id(data)) for path, data in files], settings, workers))
    assert len(results) == len(files)
    expected_findings = 0
    for (path, data), (oid, findings) in zip(files, results):
        reference = transform_file(data, path, settings)
        assert oid == blob_id(reference.data), path
        assert repo.read_blob(oid) == reference.data
        assert findings == reference.findings, path
        expected_findings += len(findings)
    assert expected_findings > 10     # the fixture jobs leave review findings; the parallel path must carry them
    assert sum(1 for path, _ in files if path.endswith(".py")) >= 16   # enough to start the workers
    assert results[[p for p, _ in files].index("infra/jobs.tf")][0] == blob_id(dict(files)["infra/jobs.tf"])


def test_files_transformed_before_the_estate_is_read_are_the_same(stored):
    """An initial migration's workers transform before the bookmark options are known; a file whose transform asked
    for its option, and has one, is transformed again: the results are those of the final settings."""
    from glue2lakehouse.parallel import InitialPool

    repo, files = stored
    items = [(path, blob_id(data)) for path, data in files]
    python = [path for path, _ in files if path.endswith(".py")]
    options = ("job-bookmark-enable", "job-bookmark-pause", "job-bookmark-disable")
    base = TransformSettings(catalog="prod")
    bookmarks = {path: options[i % 3] for i, path in enumerate(python)}
    bookmarks["glue/no_job_reader.py"] = "job-bookmark-enable"
    final = TransformSettings(catalog="prod", bookmarks=bookmarks)
    with InitialPool(repo, base, 2) as pool:
        pool.transform_ahead(items)
        assert len(pool.ahead) == len(python)
        results = list(pool.results(items, final))
    assert pool.redone >= 1                    # a read with a transformation_ctx and no Job
    reader = dict(files)["glue/no_job_reader.py"]
    assert transform_file(reader, "glue/no_job_reader.py", final).findings != \
        transform_file(reader, "glue/no_job_reader.py", base).findings   # so transforming it again matters
    assert pool.redone < len(python) // 2     # most files' output does not depend on the option
    for (path, data), (oid, findings) in zip(files, results):
        reference = transform_file(data, path, final)
        assert oid == blob_id(reference.data), path
        assert findings == reference.findings, path


def test_a_syncs_changed_scripts_transform_on_one_worker_while_the_estate_is_read(stored):
    """A sync that reads the estate starts its few changed scripts on the cores the estate read leaves (one of two),
    whatever their number; the files it did not start (a script whose bookmark option alone changed) are transformed
    when asked for; every result is the final settings' transform."""
    from glue2lakehouse.parallel import InitialPool

    repo, files = stored
    items = [(path, blob_id(data)) for path, data in files]
    changed = [item for item in items if item[0] in ("glue/no_job_reader.py", "infra/jobs.tf")]
    base = TransformSettings(catalog="prod")
    final = TransformSettings(catalog="prod", bookmarks={"glue/no_job_reader.py": "job-bookmark-enable",
                                                         "glue/jdbc_incremental_bookmarks.py": "job-bookmark-enable"})
    with InitialPool(repo, base, 2) as pool:
        pool.overlap(changed)
        assert list(pool.ahead) == [changed[0]]             # the script only: a definition is carried over
        assert pool.executor._max_workers == 1              # this process reads the estate on the other core
        later = [item for item in items if item[0] in ("glue/jdbc_incremental_bookmarks.py", "glue/no_job_reader.py",
                                                        "infra/jobs.tf")]
        results = list(pool.results(later, final))
    assert pool.redone == 1                                 # its transform asked for the option it now has
    for (path, oid), (out, findings) in zip(later, results):
        reference = transform_file(dict(files)[path], path, final)
        assert out == blob_id(reference.data), path
        assert findings == reference.findings, path


def test_a_sync_on_one_core_starts_no_worker(stored):
    from glue2lakehouse.parallel import InitialPool

    repo, files = stored
    with InitialPool(repo, TransformSettings(catalog="prod"), 1) as pool:
        pool.overlap([(path, blob_id(data)) for path, data in files])
        assert pool.executor is None and not pool.ahead
