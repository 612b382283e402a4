"""A verified job that imports boto3 runs with the stand-ins: importing works, any AWS call stops the job naming
the service, on the Glue side and the Databricks side alike (a verification never reaches AWS)."""

from __future__ import annotations

import sys

import pytest

from glue2lakehouse.verify.batch import _glue_failure
from glue2lakehouse.verify.runner import job_process_state


@pytest.mark.parametrize("glue", [True, False])
def test_boto3_imports_and_stops_at_the_first_aws_call(tmp_path, glue):
    job = tmp_path / "job.py"
    job.write_text("import boto3\n")
    with job_process_state(job, [], [], glue):
        import boto3
        from botocore.exceptions import ClientError

        assert boto3.__version__.endswith("g2l.verify")
        session = boto3.Session(region_name="eu-west-1")
        with pytest.raises(NotImplementedError) as stopped:
            session.client("ssm").get_parameter(Name="/risk/threshold")
        assert issubclass(ClientError, Exception)
        with pytest.raises(NotImplementedError):
            boto3.resource("s3")
    assert "boto3" not in sys.modules and "botocore.exceptions" not in sys.modules
    traceback_text = f"Traceback (most recent call last):\n  File \"job.py\", line 3\nNotImplementedError: {stopped.value}\n"
    assert _glue_failure(traceback_text) == "calls AWS through boto3 (client 'ssm'): not emulated"
