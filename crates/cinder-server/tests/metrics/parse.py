"""Parses a metrics scrape with the Prometheus project's Python client (prometheus_client).

Usage: parse.py openmetrics|prometheus < scrape.txt
Prints the samples as JSON: [{"family", "type", "name", "labels", "value"}, ...]. A scrape the
parser refuses exits non-zero with the parser's error.
"""
import json
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics
from prometheus_client.parser import text_string_to_metric_families as prometheus

parse = {"openmetrics": openmetrics, "prometheus": prometheus}[sys.argv[1]]
samples = []
for family in parse(sys.stdin.read()):
    for sample in family.samples:
        samples.append(
            {
                "family": family.name,
                "type": family.type,
                "name": sample.name,
                "labels": sample.labels,
                "value": sample.value,
            }
        )
json.dump(samples, sys.stdout)
