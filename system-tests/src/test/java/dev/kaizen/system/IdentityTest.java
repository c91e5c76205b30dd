package dev.kaizen.system;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.kaizen.identity.ApiTokens;
import dev.kaizen.stack.OAuthServer;
import dev.kaizen.stack.ServiceProcess;
import dev.kaizen.stack.Stack;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway as an OAuth 2.1 protected resource, against a real authorization server in its own
 * process: Protected Resource Metadata, 401 and 403 challenges, OAuth and API tokens forwarded to
 * knowledge-service (which enforces the grants), attribution, the audit log tool, rate limits.
 */
class IdentityTest {
    private static OAuthServer oauth;
    private static Stack stack;
    private static String resource;
    private static String apiToken;

    @BeforeAll
    static void start() {
        int port = ServiceProcess.freePort();
        resource = "http://127.0.0.1:" + port + "/mcp";
        Path logs = ServiceProcess.REPOSITORY.resolve("system-tests/target/process-logs/identity-" + System.nanoTime());
        oauth = OAuthServer.start(logs.resolve("oauth-server.log"), resource, Map.of(
                "root", "kaizen:admin", "writer", "kaizen:write:acme", "reader", "openid kaizen:read:acme"));
        apiToken = ApiTokens.generate();
        Map<String, String> auth = Map.of("AUTH_OAUTH_ISSUER", oauth.issuer(), "AUTH_OAUTH_AUDIENCE", resource,
                "AUTH_TOKENS", ApiTokens.entry("ci-bot", apiToken, "kaizen:admin"));
        Map<String, String> gateway = new java.util.HashMap<>(auth);
        gateway.put("SERVER_PORT", String.valueOf(port));
        stack = Stack.builder("identity").logs(logs).knowledgeService(auth).gateway(gateway).start();
        Mcp.ok(client(oauth.token("root")), "create_namespace", Map.of("name", "acme", "description", "Acme"));
    }

    @AfterAll
    static void stop() {
        stack.close();
        oauth.close();
    }

    private static McpSyncClient client(String token) {
        return Mcp.client(stack.gateway(), Map.of("Authorization", "Bearer " + token));
    }

    private static HttpResponse<String> get(String path) {
        try {
            return Mcp.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.gateway().port() + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static String call(String tool, String arguments) {
        return "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
                + "\",\"arguments\":" + arguments + "}}";
    }

    @Test
    @SuppressWarnings("unchecked")
    void theProtectedResourceMetadataNamesTheServerTheAuthorizationServerAndTheScopes() throws IOException {
        for (String path : List.of("/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp")) {
            HttpResponse<String> answer = get(path);
            assertEquals(200, answer.statusCode(), path);
            Map<String, Object> metadata = McpJsonDefaults.getMapper().readValue(answer.body(), Map.class);
            assertEquals(resource, metadata.get("resource"));
            assertEquals(List.of(oauth.issuer()), metadata.get("authorization_servers"));
            assertTrue(((List<String>) metadata.get("scopes_supported")).containsAll(List.of("kaizen:admin", "kaizen:read:*")));
        }
    }

    @Test
    void aRequestWithoutAValidTokenGets401PointingToTheMetadata() {
        String metadata = "resource_metadata=\"http://127.0.0.1:" + stack.gateway().port()
                + "/.well-known/oauth-protected-resource/mcp\"";
        HttpResponse<String> none = Mcp.post(stack.gateway(), call("list_config", "{}"), Map.of());
        assertEquals(401, none.statusCode());
        String challenge = none.headers().firstValue("WWW-Authenticate").orElseThrow();
        assertTrue(challenge.startsWith("Bearer ") && challenge.contains(metadata) && !challenge.contains("error="), challenge);
        assertTrue(none.body().contains("Authorization: Bearer"), none.body());
        for (String bad : List.of("Bearer kzn_nothing", "Bearer a.b.c", "Bearer " + oauth.token("root") + "x", "Basic abc")) {
            HttpResponse<String> refused = Mcp.post(stack.gateway(), call("list_config", "{}"), Map.of("Authorization", bad));
            assertEquals(401, refused.statusCode(), bad);
            String invalid = refused.headers().firstValue("WWW-Authenticate").orElseThrow();
            assertTrue(invalid.contains("error=\"invalid_token\"") && invalid.contains(metadata), invalid);
            Mcp.assertNoInternals(refused.body());
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void historyNamesWhoMadeEachVersionAndRestoringNeedsWrite() {
        McpSyncClient writer = client(oauth.token("writer"));
        McpSyncClient root = client(oauth.token("root"));
        String id = (String) Mcp.ok(writer, "write_knowledge", Map.of("scope", "acme:default",
                "content", "Hotfixes need one approval.", "context", "hotfix approvals")).get("id");
        Mcp.ok(root, "update_knowledge", Map.of("id", id, "content", "Hotfixes need two approvals."));
        List<Map<String, Object>> versions = (List<Map<String, Object>>) Mcp.ok(writer, "get_knowledge_history",
                Map.of("id", id)).get("versions");
        assertEquals(List.of("update", "write"), versions.stream().map(version -> version.get("action")).toList());
        assertEquals(List.of("root", "writer"), versions.stream().map(version -> version.get("principal")).toList());
        assertEquals(List.of("Hotfixes need two approvals.", "Hotfixes need one approval."),
                versions.stream().map(version -> version.get("content")).toList());

        McpSyncClient reader = client(oauth.token("reader"));
        assertEquals(2, ((List<?>) Mcp.ok(reader, "get_knowledge_history", Map.of("id", id)).get("versions")).size(),
                "reading history needs read");
        HttpResponse<String> denied = Mcp.post(stack.gateway(), call("restore_knowledge", "{\"id\":\"" + id
                + "\",\"version\":1}"), Map.of("Authorization", "Bearer " + oauth.token("reader")));
        assertEquals(403, denied.statusCode(), denied.body());
        assertTrue(denied.headers().firstValue("WWW-Authenticate").orElseThrow().contains("scope=\"kaizen:write:acme\""));
        writer.closeGracefully();
        root.closeGracefully();
        reader.closeGracefully();
    }

    @Test
    @SuppressWarnings("unchecked")
    void oauthCallersActWithTheirGrantsAndAMissingGrantIs403WithTheScope() {
        McpSyncClient writer = client(oauth.token("writer"));
        Map<String, Object> written = Mcp.ok(writer, "write_knowledge", Map.of("scope", "acme:default",
                "content", "Deploys need two approvals.", "context", "deploy approvals"));
        Map<String, Object> entry = ((List<Map<String, Object>>) Mcp.ok(writer, "get_knowledge",
                Map.of("ids", List.of(written.get("id")))).get("entries")).getFirst();
        assertEquals("writer", entry.get("created_by"));

        String reader = oauth.token("reader");
        HttpResponse<String> denied = Mcp.post(stack.gateway(), call("write_knowledge",
                "{\"scope\":\"acme:default\",\"content\":\"Nope.\",\"context\":\"nope\"}"), Map.of("Authorization", "Bearer " + reader));
        assertEquals(403, denied.statusCode(), denied.body());
        String challenge = denied.headers().firstValue("WWW-Authenticate").orElseThrow();
        assertTrue(challenge.contains("error=\"insufficient_scope\"") && challenge.contains("scope=\"kaizen:write:acme\"")
                && challenge.contains("resource_metadata="), challenge);
        assertTrue(denied.body().contains("kaizen:write:acme") && denied.body().contains("\"isError\":true"), denied.body());

        McpSyncClient readerClient = client(reader);
        Map<String, Object> namespaces = (Map<String, Object>) Mcp.ok(readerClient, "get_namespaces", Map.of()).get("namespaces");
        assertEquals(List.of("acme", "global"), List.copyOf(namespaces.keySet()));
        Map<String, Object> found = Mcp.ok(readerClient, "get_task_context", Map.of("queries", List.of("deploy approvals"),
                "scope", "acme:default"));
        assertFalse(((List<?>) found.get("results")).isEmpty());
        writer.closeGracefully();
        readerClient.closeGracefully();
    }

    @Test
    @SuppressWarnings("unchecked")
    void anApiTokenWorksBesideOAuthAndAdminsReadTheAuditLog() {
        McpSyncClient bot = client(apiToken);
        Mcp.ok(bot, "update_config", Map.of("key", "search.max_results", "value", "40"));
        Mcp.ok(bot, "reset_config", Map.of("key", "search.max_results"));
        List<Map<String, Object>> events = (List<Map<String, Object>>) Mcp.ok(bot, "get_audit_log", Map.of("limit", 50))
                .get("events");
        assertEquals("config.reset", events.getFirst().get("action"));
        assertEquals("ci-bot", events.getFirst().get("principal"));
        assertTrue(events.stream().anyMatch(event -> "namespace.create".equals(event.get("action"))
                && "root".equals(event.get("principal")) && "acme".equals(event.get("target"))));
        HttpResponse<String> refusal = Mcp.post(stack.gateway(), call("get_audit_log", "{}"),
                Map.of("Authorization", "Bearer " + oauth.token("writer")));
        assertEquals(403, refusal.statusCode());
        assertTrue(refusal.headers().firstValue("WWW-Authenticate").orElseThrow().contains("scope=\"kaizen:admin\""));
        bot.closeGracefully();
    }

    @Test
    void aPrincipalOverItsRateLimitGets429WithRetryAfterAndOthersAreNotSlowed() {
        var limited = stack.startGateway(Map.of("MCP_RATE_LIMIT_PER_SECOND", "0.5", "MCP_RATE_LIMIT_BURST", "3",
                "SERVER_PORT", String.valueOf(ServiceProcess.freePort())));
        String list = call("list_config", "{}");
        String token = ApiTokens.generate();
        Map<String, String> bot = Map.of("Authorization", "Bearer " + apiToken);
        for (int i = 0; i < 3; i++) {
            assertEquals(200, Mcp.post(limited, list, bot).statusCode(), "within the burst");
        }
        HttpResponse<String> over = Mcp.post(limited, list, bot);
        assertEquals(429, over.statusCode());
        int retryAfter = Integer.parseInt(over.headers().firstValue("Retry-After").orElseThrow());
        assertTrue(retryAfter >= 1 && retryAfter <= 2, "Retry-After " + retryAfter);
        assertTrue(over.body().contains("ci-bot") && over.body().contains("retry"), over.body());
        assertEquals(401, Mcp.post(limited, list, Map.of("Authorization", "Bearer " + token)).statusCode(),
                "an unknown token is refused, not counted against anyone");
        limited.close();
    }
}
