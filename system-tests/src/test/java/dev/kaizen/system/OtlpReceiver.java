package dev.kaizen.system;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;

/**
 * A real OTLP/HTTP trace receiver on loopback, as a collector is one: it accepts
 * {@code POST /v1/traces} with an {@code ExportTraceServiceRequest} protobuf, decodes it and keeps
 * every span with its service's name.
 */
final class OtlpReceiver implements AutoCloseable {
    /** One received span, its ids in hex as W3C trace context writes them. */
    record Received(String service, String traceId, String spanId, String parentSpanId, String name, int kind,
                    Map<String, String> attributes, int statusCode) {
        String attribute(String key) {
            return attributes.get(key);
        }
    }

    private final HttpServer server;
    private final List<Received> spans = new ArrayList<>();
    private int requests;

    OtlpReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/traces", exchange -> {
            try (InputStream body = exchange.getRequestBody()) {
                if (!"POST".equals(exchange.getRequestMethod())
                        || !String.valueOf(exchange.getRequestHeaders().getFirst("Content-Type")).startsWith("application/x-protobuf")) {
                    exchange.sendResponseHeaders(415, -1);
                    return;
                }
                try {
                    receive(ExportTraceServiceRequest.parseFrom(body.readAllBytes()));
                } catch (RuntimeException | Error e) {
                    e.printStackTrace();
                    exchange.sendResponseHeaders(500, -1);
                    return;
                }
                byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
                exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, answer.length);
                exchange.getResponseBody().write(answer);
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    /** The endpoint for {@code OTEL_EXPORTER_OTLP_ENDPOINT}. */
    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private synchronized void receive(ExportTraceServiceRequest request) {
        requests++;
        HexFormat hex = HexFormat.of();
        for (ResourceSpans resource : request.getResourceSpansList()) {
            String service = attributes(resource.getResource().getAttributesList()).get("service.name");
            for (ScopeSpans scope : resource.getScopeSpansList()) {
                for (var span : scope.getSpansList()) {
                    spans.add(new Received(service, hex.formatHex(span.getTraceId().toByteArray()),
                            hex.formatHex(span.getSpanId().toByteArray()),
                            span.getParentSpanId().isEmpty() ? "" : hex.formatHex(span.getParentSpanId().toByteArray()),
                            span.getName(), span.getKindValue(), attributes(span.getAttributesList()),
                            span.getStatus().getCodeValue()));
                }
            }
        }
        notifyAll();
    }

    private static Map<String, String> attributes(List<KeyValue> values) {
        return values.stream().collect(Collectors.toMap(KeyValue::getKey, value -> text(value.getValue()), (a, b) -> b));
    }

    private static String text(AnyValue value) {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> value.getStringValue();
            case INT_VALUE -> String.valueOf(value.getIntValue());
            case BOOL_VALUE -> String.valueOf(value.getBoolValue());
            case DOUBLE_VALUE -> String.valueOf(value.getDoubleValue());
            default -> value.toString();
        };
    }

    /** The spans of trace {@code traceId} once {@code complete} holds for them (or what arrived in {@code patience}). */
    synchronized List<Received> trace(String traceId, Predicate<List<Received>> complete, Duration patience)
            throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            List<Received> found = spans.stream().filter(span -> span.traceId().equals(traceId)).toList();
            long left = deadline - System.nanoTime();
            if (complete.test(found) || left <= 0) {
                return found;
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    synchronized List<Received> all() {
        return List.copyOf(spans);
    }

    synchronized int requests() {
        return requests;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
