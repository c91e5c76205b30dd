package dev.kaizen.gateway;

import java.util.List;

import io.helidon.config.Config;
import io.helidon.logging.common.LogConfig;

/**
 * Starts mcp-gateway from application.yaml, overridden by environment variables: Streamable HTTP by
 * default, or stdio with {@code --stdio}.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        LogConfig.configureRuntime();
        Config config = Config.create();
        if (List.of(args).contains("--stdio")) {
            StdioGateway.run(config);
            return;
        }
        GatewayServer server = GatewayServer.start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "mcp-gateway-shutdown"));
    }
}
