package dev.kaizen.gateway;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.kaizen.knowledge.KnowledgeServer;
import dev.kaizen.testing.PostgresServer;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;

/**
 * The real pair on loopback ports: knowledge-service on a new database of the test PostgreSQL, and
 * mcp-gateway in front of it, each configured as its main method does, with the test's values first.
 */
final class Stack implements AutoCloseable {
    static final HttpClient HTTP = HttpClient.newHttpClient();

    final PostgresServer postgres = PostgresServer.shared();
    final String databaseUrl;
    KnowledgeServer knowledge;
    GatewayServer gateway;

    Stack(String name, Map<String, String> gatewaySettings) {
        databaseUrl = postgres.createDatabase(name);
        knowledge = startKnowledge(0);
        gateway = startGateway(gatewaySettings);
    }

    KnowledgeServer startKnowledge(int grpcPort) {
        return KnowledgeServer.start(KnowledgeServer.config(Map.of(
                "server.host", "127.0.0.1",
                "server.port", String.valueOf(grpcPort),
                "admin.port", "0",
                "db.url", databaseUrl,
                "db.user", postgres.user(),
                "db.password", postgres.password(),
                "shutdown.grace", "PT1S")));
    }

    GatewayServer startGateway(Map<String, String> settings) {
        Map<String, String> values = new HashMap<>(Map.of(
                "server.host", "127.0.0.1",
                "server.port", "0",
                "admin.port", "0",
                "service.target", "dns:///127.0.0.1:" + knowledge.grpcPort(),
                "service.timeout", "PT5S",
                "shutdown.grace", "PT1S"));
        values.putAll(settings);
        return GatewayServer.start(GatewayServer.config(values));
    }

    String mcpUrl(GatewayServer server) {
        return "http://127.0.0.1:" + server.port() + StreamableHttpTransport.ENDPOINT;
    }

    /** The MCP Java SDK's client over Streamable HTTP, initialized, with extra headers on every request. */
    static McpSyncClient client(GatewayServer server, Map<String, String> headers) {
        HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport
                .builder("http://127.0.0.1:" + server.port())
                .endpoint(StreamableHttpTransport.ENDPOINT)
                .addHttpRequestCustomizer((request, method, uri, body, context) -> headers.forEach(request::header))
                .build();
        McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(30)).build();
        client.initialize();
        return client;
    }

    /** A raw POST to the MCP endpoint. */
    static HttpResponse<String> post(GatewayServer server, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/mcp"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static int get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Override
    public void close() {
        for (Runnable stop : List.<Runnable>of(() -> gateway.stop(), () -> knowledge.stop())) {
            try {
                stop.run();
            } catch (RuntimeException e) {
                // already stopped by the test
            }
        }
    }
}
