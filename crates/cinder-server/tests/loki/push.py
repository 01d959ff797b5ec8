"""Logs to Cinder through the unmodified python-logging-loki handler (Loki's JSON push).

Usage: push.py URL TOKEN COUNT.
"""

import logging
import sys

import logging_loki

url, token, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
failures = []


class Handler(logging_loki.LokiHandler):
    def handleError(self, record):  # a failed push fails the script, not a line on stderr
        failures.append(sys.exc_info()[1])


handler = Handler(
    url=f"{url}/loki/api/v1/push",
    tags={"source": "loki-app", "application": "demo"},
    auth=("cinder", token),
    version="1",
)
logger = logging.getLogger("demo")
logger.setLevel(logging.INFO)
logger.addHandler(handler)
for n in range(count):
    logger.warning(f"message {n}", extra={"tags": {"service": "checkout"}})
if failures:
    raise SystemExit(f"{len(failures)} pushes failed, first: {failures[0]!r}")
