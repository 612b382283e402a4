"""boto3 for verification runs: importable, and any AWS call stops the job naming the service (never reaches AWS)."""

__version__ = "0+g2l.verify"


def _stop(kind, service):
    raise NotImplementedError(f"calls AWS through boto3 ({kind} {service!r}): not emulated")


def client(service_name=None, *args, **kwargs):
    _stop("client", service_name)


def resource(service_name=None, *args, **kwargs):
    _stop("resource", service_name)


def setup_default_session(*args, **kwargs):
    return None


class Session:
    def __init__(self, *args, **kwargs):
        self.region_name = kwargs.get("region_name")

    def client(self, service_name=None, *args, **kwargs):
        _stop("client", service_name)

    def resource(self, service_name=None, *args, **kwargs):
        _stop("resource", service_name)


session = type("session", (), {"Session": Session})
