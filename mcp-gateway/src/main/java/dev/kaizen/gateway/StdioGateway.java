package dev.kaizen.gateway;

import java.io.InputStream;
import java.util.concurrent.CountDownLatch;

import io.helidon.config.Config;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;

/**
 * mcp-gateway over stdio, for desktop clients that start it as a subprocess: the same tools and
 * prompts, one session on stdin/stdout, until stdin closes; a line it cannot read gets a JSON-RPC
 * error and the session goes on. Logs go to stderr only.
 */
final class StdioGateway {
    private StdioGateway() {
    }

    static void run(Config config) throws InterruptedException {
        CountDownLatch closed = new CountDownLatch(1);
        McpJsonMapper json = McpJsonDefaults.getMapper();
        InputStream stdin = new StdioLines(System.in, System.out, json,
                Math.toIntExact(config.get("mcp.body.limit").asLong().get()), closed::countDown);
        try (KaizenApi api = GatewayServer.client(config)) {
            McpSyncServer server = McpServers.sessions(JsonRpcErrors.guard(new StdioServerTransportProvider(json, stdin, System.out)), json,
                    new ToolCalls(api, json), KaizenTools.all(), api);
            closed.await();
            server.closeGracefully();
        }
    }
}
