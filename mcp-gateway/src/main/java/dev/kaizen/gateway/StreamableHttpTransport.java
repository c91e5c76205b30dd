package dev.kaizen.gateway;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpStatelessServerHandler;
import io.modelcontextprotocol.server.transport.DefaultServerTransportSecurityValidator;
import io.modelcontextprotocol.server.transport.HeaderAccessor;
import io.modelcontextprotocol.server.transport.ServerTransportSecurityException;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpStatelessServerTransport;
import reactor.core.publisher.Mono;

/**
 * MCP Streamable HTTP, stateless, on Helidon: every POST to the endpoint is one JSON-RPC message
 * answered on its own (no session id, no server-sent events), so any replica can answer any request.
 * Before a message reaches the MCP server: a foreign {@code Origin} gets 403 (DNS rebinding), a
 * missing or wrong bearer token 401 when tokens are configured; oversized bodies got 413 from the
 * web server already. GET and DELETE answer 405.
 */
final class StreamableHttpTransport implements McpStatelessServerTransport, HttpService {
    static final String ENDPOINT = "/mcp";
    private static final int PARSE_ERROR = -32700;
    private static final int INVALID_REQUEST = -32600;
    private static final int INTERNAL_ERROR = -32603;
    private static final System.Logger LOG = System.getLogger(StreamableHttpTransport.class.getName());

    private final McpJsonMapper json;
    private final DefaultServerTransportSecurityValidator origins;
    private final List<byte[]> tokens;
    private volatile McpStatelessServerHandler handler;
    private volatile boolean closing;

    StreamableHttpTransport(McpJsonMapper json, List<String> allowedOrigins, List<String> tokens) {
        this.json = json;
        this.origins = DefaultServerTransportSecurityValidator.builder().allowedOrigins(allowedOrigins).build();
        this.tokens = tokens.stream().map(token -> token.getBytes(StandardCharsets.UTF_8)).toList();
    }

    @Override
    public void setMcpHandler(McpStatelessServerHandler handler) {
        this.handler = handler;
    }

    @Override
    public Mono<Void> closeGracefully() {
        return Mono.fromRunnable(() -> closing = true);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post(ENDPOINT, this::post)
                .get(ENDPOINT, StreamableHttpTransport::notAllowed)
                .delete(ENDPOINT, StreamableHttpTransport::notAllowed);
    }

    private static void notAllowed(ServerRequest request, ServerResponse response) {
        response.status(Status.METHOD_NOT_ALLOWED_405).header(HeaderNames.ALLOW, "POST").send();
    }

    private void post(ServerRequest request, ServerResponse response) {
        if (closing) {
            error(response, Status.SERVICE_UNAVAILABLE_503, INTERNAL_ERROR, "The gateway is shutting down; retry.");
            return;
        }
        try {
            origins.validate(headers(request));
        } catch (ServerTransportSecurityException e) {
            error(response, Status.FORBIDDEN_403, INVALID_REQUEST,
                    "Origin not allowed: add it to the gateway's allowed origins (MCP_ORIGINS) to call it from that page.");
            return;
        }
        if (!authorized(request)) {
            response.header(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"kaizen\"");
            error(response, Status.UNAUTHORIZED_401, INVALID_REQUEST,
                    "Missing or invalid bearer token: send 'Authorization: Bearer <token>' with a configured token.");
            return;
        }
        String contentType = request.headers().first(HeaderNames.CONTENT_TYPE).orElse("").toLowerCase(Locale.ROOT);
        if (!contentType.startsWith("application/json")) {
            error(response, Status.UNSUPPORTED_MEDIA_TYPE_415, INVALID_REQUEST,
                    "Content-Type must be application/json: send one JSON-RPC message as JSON.");
            return;
        }
        if (!acceptsJson(request)) {
            error(response, Status.NOT_ACCEPTABLE_406, INVALID_REQUEST,
                    "Accept must include application/json (and text/event-stream): this server answers with JSON.");
            return;
        }
        McpSchema.JSONRPCMessage message;
        try {
            message = McpSchema.deserializeJsonRpcMessage(json, request.content().as(String.class));
        } catch (IOException | IllegalArgumentException e) {
            error(response, Status.BAD_REQUEST_400, PARSE_ERROR,
                    "The body is not one JSON-RPC 2.0 message: send a single request or notification object.");
            return;
        }
        McpTransportContext context = McpTransportContext.create(Map.of());
        if (message instanceof McpSchema.JSONRPCRequest call) {
            McpSchema.JSONRPCResponse answer;
            try {
                answer = handler.handleRequest(context, call)
                        .contextWrite(reactor -> reactor.put(McpTransportContext.KEY, context))
                        .block();
            } catch (RuntimeException e) {
                // the SDK throws (instead of answering) for some malformed params
                LOG.log(System.Logger.Level.DEBUG, "request " + call.method() + " failed", e);
                answer = McpSchema.JSONRPCResponse.error(call.id(), new McpSchema.JSONRPCResponse.JSONRPCError(
                        -32602, "Invalid params for " + call.method() + ": check the request against the method's schema.",
                        null));
            }
            response.header(HeaderNames.CONTENT_TYPE, "application/json").send(write(answer));
        } else {
            if (message instanceof McpSchema.JSONRPCNotification notification) {
                handler.handleNotification(context, notification)
                        .contextWrite(reactor -> reactor.put(McpTransportContext.KEY, context))
                        .block();
            }
            // notifications and responses are accepted without a body
            response.status(Status.ACCEPTED_202).send();
        }
    }

    private boolean authorized(ServerRequest request) {
        if (tokens.isEmpty()) {
            return true;
        }
        Optional<String> header = request.headers().first(HeaderNames.AUTHORIZATION);
        if (header.isEmpty() || !header.get().regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] given = header.get().substring(7).strip().getBytes(StandardCharsets.UTF_8);
        boolean match = false;
        for (byte[] token : tokens) {
            match |= MessageDigest.isEqual(token, given);
        }
        return match;
    }

    private static boolean acceptsJson(ServerRequest request) {
        List<String> accept = request.headers().all(HeaderNames.ACCEPT, List::of);
        if (accept.isEmpty()) {
            return true;
        }
        String all = String.join(",", accept).toLowerCase(Locale.ROOT);
        return all.contains("application/json") || all.contains("*/*") || all.contains("application/*");
    }

    private static HeaderAccessor headers(ServerRequest request) {
        return new HeaderAccessor() {
            @Override
            public List<String> getHeader(String name) {
                return request.headers().all(HeaderNames.create(name), List::of);
            }

            @Override
            public List<String> getHeaderNames() {
                return request.headers().stream().map(header -> header.name()).toList();
            }
        };
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A transport-level error: a JSON-RPC error object with a null id (the SDK's record refuses one). */
    private void error(ServerResponse response, Status status, int code, String message) {
        response.status(status)
                .header(HeaderNames.CONTENT_TYPE, "application/json")
                .send("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":" + code + ",\"message\":"
                        + write(message) + "}}");
    }
}
