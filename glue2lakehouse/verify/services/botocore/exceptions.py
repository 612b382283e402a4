"""The botocore exceptions jobs catch around their AWS calls."""


class BotoCoreError(Exception):
    pass


class NoCredentialsError(BotoCoreError):
    pass


class NoRegionError(BotoCoreError):
    pass


class EndpointConnectionError(BotoCoreError):
    pass


class ClientError(Exception):
    def __init__(self, error_response=None, operation_name=None):
        super().__init__(f"An error occurred when calling the {operation_name} operation")
        self.response = error_response or {}
        self.operation_name = operation_name
