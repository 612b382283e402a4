"""botocore for verification runs: its exception classes, for jobs that catch them (nothing calls AWS)."""
