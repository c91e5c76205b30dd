package dev.kaizen.gateway;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CountDownLatch;

import io.helidon.config.Config;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;

/**
 * mcp-gateway over stdio, for desktop clients that start it as a subprocess: the same tools and
 * prompts, one session on stdin/stdout, until stdin closes. Logs go to stderr only.
 */
final class StdioGateway {
    private StdioGateway() {
    }

    static void run(Config config) throws InterruptedException {
        CountDownLatch closed = new CountDownLatch(1);
        InputStream stdin = new FilterInputStream(System.in) {
            @Override
            public int read() throws IOException {
                return eof(super.read());
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                return eof(super.read(buffer, offset, length));
            }

            private int eof(int read) {
                if (read < 0) {
                    closed.countDown();
                }
                return read;
            }
        };
        McpJsonMapper json = McpJsonDefaults.getMapper();
        try (KnowledgeServiceClient kaizen = Server.client(config)) {
            McpSyncServer server = McpServers.sessions(JsonRpcErrors.guard(new StdioServerTransportProvider(json, stdin, System.out)), json,
                    new ToolCalls(kaizen, json), KaizenTools.all(), kaizen);
            closed.await();
            server.closeGracefully();
        }
    }
}
