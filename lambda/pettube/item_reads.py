"""DynamoDB's items read as DynamoDB sends them, not through botocore's walk of the response's model.

botocore parses a JSON response by walking its model: each AttributeValue of each item is a
structure of ten members, every one looked up for every value. For MyMedia's listing (25
items of about 30 AttributeValues) that was half of the function's CPU in a burst of listings
(py-spy). boto3 reports the same (boto/boto3#2928) and botocore has no switch for it.

The items in DynamoDB's JSON already are the AttributeValue dicts botocore would make, but for
binary values, which arrive in base64 and which botocore decodes. So for the reads that answer
items, the items are taken from the body with ``json`` and their binary values decoded, and
botocore parses the rest of the response (Count, LastEvaluatedKey, ConsumedCapacity, errors)
as ever. boto3's Table resource then turns them into Python values as before.
"""

from __future__ import annotations

import base64
import json
from typing import Any

# The reads whose answer holds items: Items (a list of them) or Item (one).
READS = ("Query", "Scan", "GetItem")


def register(client: Any) -> None:
    """Read items this way in every answer of ``client`` (a DynamoDB client) to READS."""
    for operation in READS:
        client.meta.events.register(f"before-parse.dynamodb.{operation}", _take_items,
                                    unique_id=f"pettube-item-reads-{operation}")


def _take_items(response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any) -> None:
    """Move the items out of the body botocore is about to parse, into what it adds to its result."""
    if response_dict["status_code"] >= 300 or not response_dict["body"]:
        return  # an error, or no body: botocore parses it
    body = json.loads(response_dict["body"])
    if "Items" not in body and "Item" not in body:
        return
    if "Items" in body:
        customized_response_dict["Items"] = [_item(item) for item in body.pop("Items")]
    if "Item" in body:
        customized_response_dict["Item"] = _item(body.pop("Item"))
    response_dict["body"] = json.dumps(body).encode()


def _item(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _value(value) for name, value in item.items()}


def _value(value: dict[str, Any]) -> dict[str, Any]:
    """One AttributeValue as botocore gives it: binary values decoded, lists and maps followed."""
    if "B" in value:
        return {"B": base64.b64decode(value["B"])}
    if "BS" in value:
        return {"BS": [base64.b64decode(member) for member in value["BS"]]}
    if "L" in value:
        return {"L": [_value(member) for member in value["L"]]}
    if "M" in value:
        return {"M": _item(value["M"])}
    return value
