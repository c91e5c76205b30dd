package dev.kaizen.knowledge;

import java.util.Map;

import dev.kaizen.runtime.JsonLogFormatter;
import dev.kaizen.runtime.Tracing;
import io.helidon.logging.common.LogConfig;

/**
 * Starts knowledge-service from knowledge-service.yaml, overridden by environment variables; logs as
 * JSON lines with {@code LOG_FORMAT=json}, traces with {@code OTEL_EXPORTER_OTLP_ENDPOINT} (README: Tracing).
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        LogConfig.configureRuntime();
        JsonLogFormatter.applyFromEnvironment();
        Tracing tracing = Tracing.start("knowledge-service");
        KnowledgeServer server = KnowledgeServer.start(KnowledgeServer.config(Map.of()));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop();
            tracing.close();
        }, "knowledge-service-shutdown"));
    }
}
