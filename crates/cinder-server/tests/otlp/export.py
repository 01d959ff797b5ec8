"""Sends logs and spans to Cinder with the unmodified OpenTelemetry Python SDK and its
OTLP exporters: OTLP/HTTP (protobuf), or OTLP/gRPC (the spans gzip'd).

Usage: export.py URL TOKEN COUNT [http|grpc]; for grpc, URL is host:port. Logs go to the source named by the X-Source-Name header;
spans to the source named after the resource's service.name. Prints, as JSON, the trace id
of the last span, and whether every export succeeded.
"""

import json
import logging
import sys

from opentelemetry import trace
from opentelemetry._logs import set_logger_provider
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

url, token, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
protocol = sys.argv[4] if len(sys.argv) > 4 else "http"
resource = Resource.create({"service.name": "otel-shop", "deployment.environment": "test"})
results = []


class Checked:
    """Wraps an exporter to record whether each export succeeded."""

    def __init__(self, exporter):
        self.exporter = exporter

    def export(self, batch):
        result = self.exporter.export(batch)
        ok = getattr(result, "name", None) == "SUCCESS"
        results.append(ok)
        if not ok:
            print(f"{type(self.exporter).__name__} failed: {result}", file=sys.stderr)
        return result

    def __getattr__(self, name):
        return getattr(self.exporter, name)


if protocol == "grpc":
    import grpc
    from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    log_exporter = OTLPLogExporter(
        endpoint=url, insecure=True, headers=(("x-api-key", token), ("x-source-name", "otel-logs"))
    )
    span_exporter = OTLPSpanExporter(
        endpoint=url, insecure=True, headers=(("authorization", f"Bearer {token}"),), compression=grpc.Compression.Gzip
    )
else:
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    log_exporter = OTLPLogExporter(
        endpoint=f"{url}/v1/logs", headers={"x-api-key": token, "x-source-name": "otel-logs"}
    )
    span_exporter = OTLPSpanExporter(endpoint=f"{url}/v1/traces", headers={"authorization": f"Bearer {token}"})
logger_provider = LoggerProvider(resource=resource)
logger_provider.add_log_record_processor(SimpleLogRecordProcessor(Checked(log_exporter)))
set_logger_provider(logger_provider)
handler = LoggingHandler(level=logging.INFO, logger_provider=logger_provider)
logger = logging.getLogger("shop")
logger.setLevel(logging.INFO)
logger.addHandler(handler)

tracer_provider = TracerProvider(resource=resource)
tracer_provider.add_span_processor(SimpleSpanProcessor(Checked(span_exporter)))
trace.set_tracer_provider(tracer_provider)
tracer = trace.get_tracer("shop.tracer", "0.1")

trace_id = None
for n in range(count):
    with tracer.start_as_current_span("checkout", attributes={"order.id": f"o-{n}", "order.total": n * 1.5}) as span:
        with tracer.start_as_current_span("charge card"):
            logger.warning("payment slow for order %s", n, extra={"order_id": f"o-{n}"})
        trace_id = format(span.get_span_context().trace_id, "032x")

logger_provider.shutdown()
tracer_provider.shutdown()
print(json.dumps({"trace_id": trace_id, "exports": len(results), "all_ok": all(results)}))
