package dev.kaizen.gateway;

import java.util.List;
import java.util.Map;

import io.helidon.config.Config;
import io.helidon.logging.common.LogConfig;

/**
 * Starts mcp-gateway from mcp-gateway.yaml, overridden by environment variables: Streamable HTTP by
 * default, or stdio with {@code --stdio}.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        LogConfig.configureRuntime();
        Config config = Server.config(Map.of());
        if (List.of(args).contains("--stdio")) {
            StdioGateway.run(config);
            return;
        }
        Server server = Server.start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "mcp-gateway-shutdown"));
    }
}
