"""Key spellings of Glue API JSON: CDK, the JavaScript SDK and hand-kept documents write ``scriptLocation``,
the CLI and boto3 ``ScriptLocation``. Both are read as the API's PascalCase.

Only field names are respelled: the keys of free-form maps (job arguments, tags, run
properties, table parameters) are the user's data and keep their spelling.
"""

from __future__ import annotations

# Maps whose keys are data, not field names (any spelling of these field names).
FREE_FORM = {"DefaultArguments", "NonOverridableArguments", "Arguments", "Tags", "DefaultRunProperties",
             "RunProperties", "Parameters", "SerdeParameters", "Properties", "ConnectionProperties", "TagsAll"}
# camelCase spellings whose PascalCase is not just the first letter raised.
SPECIAL = {"s3Targets": "S3Targets", "jdbcTargets": "JdbcTargets", "dynamoDbTargets": "DynamoDBTargets",
           "dynamoDBTargets": "DynamoDBTargets"}


def pascal_key(key: str) -> str:
    if key in SPECIAL:
        return SPECIAL[key]
    return key[:1].upper() + key[1:] if key[:1].islower() else key


def pascal(data):
    """The same JSON value with every field name in PascalCase (free-form maps left as they are)."""
    if isinstance(data, list):
        return [pascal(item) for item in data]
    if not isinstance(data, dict):
        return data
    out = {}
    for key, value in data.items():
        name = pascal_key(key) if isinstance(key, str) else key
        out[name] = value if name in FREE_FORM else pascal(value)
    return out
