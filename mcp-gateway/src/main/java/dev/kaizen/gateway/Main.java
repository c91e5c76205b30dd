package dev.kaizen.gateway;

import java.util.List;
import java.util.Map;

import dev.kaizen.runtime.JsonLogFormatter;
import dev.kaizen.runtime.Tracing;
import io.helidon.config.Config;
import io.helidon.logging.common.LogConfig;

/**
 * Starts mcp-gateway from mcp-gateway.yaml, overridden by environment variables: Streamable HTTP by
 * default, or stdio with {@code --stdio}; logs as JSON lines with {@code LOG_FORMAT=json}, traces with
 * {@code OTEL_EXPORTER_OTLP_ENDPOINT} (README: Tracing).
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        LogConfig.configureRuntime();
        JsonLogFormatter.applyFromEnvironment();
        Tracing tracing = Tracing.start("mcp-gateway");
        Config config = GatewayServer.config(Map.of());
        if (List.of(args).contains("--stdio")) {
            try {
                StdioGateway.run(config);
            } finally {
                tracing.close();
            }
            return;
        }
        GatewayServer server = GatewayServer.start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop();
            tracing.close();
        }, "mcp-gateway-shutdown"));
    }
}
