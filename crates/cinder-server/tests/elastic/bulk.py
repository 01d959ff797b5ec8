"""Sends documents to Cinder with the unmodified Elasticsearch Python client's bulk helper.

Usage: bulk.py URL TOKEN. Prints the helper's results as JSON on standard output.
"""

import json
import sys

from elasticsearch import Elasticsearch, helpers

url, token = sys.argv[1], sys.argv[2]
client = Elasticsearch(url, api_key=token, request_timeout=30)

actions = [
    {"_index": "es-app", "_id": f"doc-{n}", "message": f"document {n}", "n": n, "nested": {"level": "info"}}
    for n in range(500)
]
actions.append({"_index": "es-other", "message": "to another index"})
ok, errors = helpers.bulk(client, actions, chunk_size=200, raise_on_error=False)

# A delete is refused alone, per item.
response = client.bulk(
    operations=[
        {"delete": {"_index": "es-app", "_id": "doc-1"}},
        {"index": {"_index": "es-app"}},
        {"message": "after the delete"},
    ]
)
print(json.dumps({
    "ok": ok,
    "errors": errors,
    "mixed_errors": response["errors"],
    "mixed_items": response["items"],
}))
