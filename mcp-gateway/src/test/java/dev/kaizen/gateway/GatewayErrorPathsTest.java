package dev.kaizen.gateway;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.kaizen.identity.Identity;
import io.helidon.webserver.WebServer;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpStatelessSyncServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway's refusals over its own transport, in process: the real MCP server, transport and tool
 * table on a loopback port, with knowledge-service nowhere (every call that reaches gRPC finds it
 * down). No process is started; the class runs in about a second.
 */
class GatewayErrorPathsTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static KaizenApi api;
    private static McpStatelessSyncServer mcp;
    private static WebServer server;

    @BeforeAll
    static void start() {
        McpJsonMapper json = McpJsonDefaults.getMapper();
        api = GatewayServer.client(GatewayServer.config(Map.of("service.target", "dns:///127.0.0.1:1", "service.timeout", "PT2S")));
        StreamableHttpTransport transport = new StreamableHttpTransport(json, List.of("http://localhost:*"),
                Identity.off(), new RateLimits(0, 0), 4, Duration.ofMillis(100));
        mcp = McpServers.stateless(transport, json, new ToolCalls(api, json), KaizenTools.all(), api);
        server = WebServer.builder().port(0).host("127.0.0.1").routing(routing -> routing.register(transport)).build().start();
    }

    @AfterAll
    static void stop() {
        server.stop();
        mcp.close();
        api.close();
    }

    private static HttpResponse<String> post(String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/mcp"))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> call(String tool, String arguments) throws Exception {
        return post("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
                + "\",\"arguments\":" + arguments + "}}", Map.of());
    }

    @Test
    void aTextThatIsNoJsonRpcMessageGetsTheErrorThatSaysSo() throws Exception {
        HttpResponse<String> notJson = post("{not json", Map.of());
        assertEquals(400, notJson.statusCode());
        assertTrue(notJson.body().contains("-32700") && notJson.body().contains("not JSON"), notJson.body());
        HttpResponse<String> batch = post("[]", Map.of());
        assertEquals(400, batch.statusCode());
        assertTrue(batch.body().contains("-32600"), batch.body());
        HttpResponse<String> badParams = post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":\"x\"}",
                Map.of());
        assertTrue(badParams.body().contains("-32602"), badParams.body());
        assertFalse(badParams.body().toLowerCase().contains("exception"), badParams.body());
    }

    @Test
    void theTransportRefusesWhatItDoesNotServe() throws Exception {
        HttpResponse<String> get = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/mcp"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, get.statusCode());
        assertEquals(403, post("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}", Map.of("Origin", "http://evil.example"))
                .statusCode());
        HttpResponse<String> text = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/mcp"))
                .header("Content-Type", "text/plain").header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(415, text.statusCode());
        assertEquals(202, post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", Map.of()).statusCode());
    }

    @Test
    void aBrokenArgumentIsRefusedBeforeAnyCallWithOneSentence() throws Exception {
        HttpResponse<String> refused = call("delete_knowledge", "{\"id\":\"forty-two\"}");
        assertEquals(200, refused.statusCode());
        assertTrue(refused.body().contains("\"isError\":true") && refused.body().contains("is not a valid id"),
                refused.body());
        HttpResponse<String> unknown = call("no_such_tool", "{}");
        assertTrue(unknown.body().contains("\"error\""), unknown.body());
    }

    @Test
    void aServiceThatIsDownIsToldFastAsRetryLater() throws Exception {
        Instant start = Instant.now();
        HttpResponse<String> down = call("get_namespaces", "{}");
        assertEquals(200, down.statusCode());
        assertTrue(down.body().contains("\"isError\":true") && down.body().contains(ToolCalls.UNAVAILABLE), down.body());
        assertTrue(Duration.between(start, Instant.now()).toSeconds() < 5, "told within seconds");
    }
}
