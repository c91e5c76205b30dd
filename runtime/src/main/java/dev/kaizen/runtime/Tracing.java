package dev.kaizen.runtime;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;

/**
 * Traces, configured the OpenTelemetry way: the SDK's autoconfiguration reads the standard
 * {@code OTEL_*} variables ({@code OTEL_EXPORTER_OTLP_ENDPOINT}, {@code OTEL_SERVICE_NAME},
 * {@code OTEL_TRACES_SAMPLER}, {@code OTEL_RESOURCE_ATTRIBUTES}, ...) and exports OTLP over HTTP
 * ({@code http/protobuf}, the only protocol built in).
 * <p>
 * Off unless an OTLP endpoint is set ({@code OTEL_EXPORTER_OTLP_ENDPOINT} or
 * {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT}), or when {@code OTEL_SDK_DISABLED=true}: then
 * {@link #enabled()} is false, the services install none of their tracing interceptors, and no SDK
 * object exists, so tracing costs nothing. Metrics and logs stay with Prometheus and the log stream.
 */
public final class Tracing {
    /** The W3C trace-context header, on HTTP and as gRPC metadata. */
    public static final String TRACEPARENT = "traceparent";
    private static final System.Logger LOG = System.getLogger(Tracing.class.getName());
    private static volatile Tracing current = new Tracing(OpenTelemetry.noop(), null);

    private final OpenTelemetry openTelemetry;
    private final OpenTelemetrySdk sdk;

    private Tracing(OpenTelemetry openTelemetry, OpenTelemetrySdk sdk) {
        this.openTelemetry = openTelemetry;
        this.sdk = sdk;
    }

    /**
     * Starts tracing for the process from its environment (and {@code -Dotel.*} properties), with
     * {@code serviceName} unless {@code OTEL_SERVICE_NAME} says otherwise. Call once, at start-up.
     */
    public static synchronized Tracing start(String serviceName) {
        return start(serviceName, System.getenv(), key -> System.getProperty(key));
    }

    static synchronized Tracing start(String serviceName, Map<String, String> env, Function<String, String> properties) {
        if (!wanted(env, properties)) {
            current = new Tracing(OpenTelemetry.noop(), null);
            return current;
        }
        Map<String, String> defaults = new HashMap<>();
        defaults.put("otel.service.name", serviceName);
        // Prometheus at /observe/metrics and the log stream stay the sources of metrics and logs
        defaults.put("otel.metrics.exporter", "none");
        defaults.put("otel.logs.exporter", "none");
        // OTLP over HTTP (port 4318) by the JDK's client; the SDK's own default, gRPC, would need OkHttp or grpc-java
        defaults.put("otel.exporter.otlp.protocol", "http/protobuf");
        try {
            OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
                    .addPropertiesSupplier(() -> defaults)
                    .disableShutdownHook()
                    .build()
                    .getOpenTelemetrySdk();
            current = new Tracing(sdk, sdk);
            LOG.log(System.Logger.Level.INFO, "tracing on: spans exported over OTLP to {0}",
                    first(env, properties, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"));
        } catch (RuntimeException e) {
            // a bad OTEL_* setting must not keep the service from serving
            LOG.log(System.Logger.Level.WARNING, "tracing off: the OTEL_* settings were refused: {0}{1}", e.getMessage(),
                    e.getCause() == null ? "" : " (" + e.getCause().getMessage() + ")");
            current = new Tracing(OpenTelemetry.noop(), null);
        }
        return current;
    }

    /** Whether an endpoint is set and the SDK is not disabled. */
    static boolean wanted(Map<String, String> env, Function<String, String> properties) {
        if ("true".equalsIgnoreCase(first(env, properties, "OTEL_SDK_DISABLED"))
                || "none".equalsIgnoreCase(first(env, properties, "OTEL_TRACES_EXPORTER"))) {
            return false;
        }
        String endpoint = first(env, properties, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT");
        return endpoint != null && !endpoint.isBlank();
    }

    /** The first of the variables set, as an environment variable or as its {@code otel.*} property. */
    private static String first(Map<String, String> env, Function<String, String> properties, String... names) {
        for (String name : names) {
            String value = env.get(name);
            if (value == null) {
                value = properties.apply(name.toLowerCase(java.util.Locale.ROOT).replace('_', '.'));
            }
            if (value != null && !value.isBlank()) {
                return value;
            }
        }
        return null;
    }

    /** This process's tracing (off until {@link #start}). */
    public static Tracing current() {
        return current;
    }

    public boolean enabled() {
        return sdk != null;
    }

    public Tracer tracer(String instrumentationScope) {
        return openTelemetry.getTracer(instrumentationScope);
    }

    public TextMapPropagator propagator() {
        return W3CTraceContextPropagator.getInstance();
    }

    /** The context a W3C {@code traceparent} value names (with no value or a malformed one: {@code parent}). */
    public Context fromTraceparent(Context parent, String traceparent) {
        if (traceparent == null || traceparent.isBlank()) {
            return parent;
        }
        Context extracted = propagator().extract(parent, traceparent, new TextMapGetter<String>() {
            @Override
            public Iterable<String> keys(String carrier) {
                return java.util.List.of(TRACEPARENT);
            }

            @Override
            public String get(String carrier, String key) {
                return TRACEPARENT.equals(key) ? carrier : null;
            }
        });
        SpanContext span = Span.fromContext(extracted).getSpanContext();
        return span.isValid() && span.isRemote() ? extracted : parent;
    }

    /** Sends what is still buffered and stops the exporter (on shutdown). */
    public void close() {
        if (sdk != null) {
            sdk.getSdkTracerProvider().shutdown().join(5, TimeUnit.SECONDS);
        }
    }
}
