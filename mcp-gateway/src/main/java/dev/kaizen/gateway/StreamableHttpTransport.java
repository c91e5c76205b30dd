package dev.kaizen.gateway;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import dev.kaizen.identity.Identity;
import dev.kaizen.identity.IdentityUnavailable;
import dev.kaizen.identity.Unauthenticated;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
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
 * Before a message reaches the MCP server: a foreign {@code Origin} gets 403 (DNS rebinding); when
 * authentication is on, a missing or invalid credential 401 with {@code WWW-Authenticate} (naming
 * the Protected Resource Metadata when OAuth is on, RFC 9728), and a principal over its rate limit
 * 429 with {@code Retry-After}; oversized bodies got 413 from the web server already. A tool call
 * that knowledge-service refuses for want of a grant answers 403 with {@code insufficient_scope}
 * and the scope it needs. GET and DELETE answer 405.
 */
final class StreamableHttpTransport implements McpStatelessServerTransport, HttpService {
    static final String ENDPOINT = "/mcp";
    private static final int INVALID_REQUEST = JsonRpcErrors.INVALID_REQUEST;
    private static final int INTERNAL_ERROR = JsonRpcErrors.INTERNAL_ERROR;

    private final McpJsonMapper json;
    private final DefaultServerTransportSecurityValidator origins;
    private final Identity identity;
    private final RateLimits rateLimits;
    private volatile McpStatelessServerHandler handler;
    private volatile boolean closing;
    /** Requests at work at once; more wait up to queueWait, then get 503 with Retry-After. */
    private final Semaphore turns;
    private final Duration queueWait;
    private final Map<String, Counter> refusals = new ConcurrentHashMap<>();

    StreamableHttpTransport(McpJsonMapper json, List<String> allowedOrigins, Identity identity, RateLimits rateLimits,
                            int concurrent, Duration queueWait) {
        this.json = json;
        this.turns = new Semaphore(concurrent);
        this.queueWait = queueWait;
        this.origins = DefaultServerTransportSecurityValidator.builder().allowedOrigins(allowedOrigins).build();
        this.identity = identity;
        this.rateLimits = rateLimits;
        // every reason counted from the start, at 0, so that rates and alerts see a series before the first refusal
        List.of("shed", "rate_limited", "unauthenticated", "origin").forEach(reason -> counter(reason));
    }

    @Override
    public void setMcpHandler(McpStatelessServerHandler handler) {
        this.handler = JsonRpcErrors.guard(handler);
    }

    @Override
    public Mono<Void> closeGracefully() {
        return Mono.fromRunnable(() -> closing = true);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post(ENDPOINT, this::post)
                .get(ENDPOINT, StreamableHttpTransport::notAllowed)
                .delete(ENDPOINT, StreamableHttpTransport::notAllowed)
                .get(ProtectedResource.PATH, this::resourceMetadata)
                .get(ProtectedResource.PATH + "/*", this::resourceMetadata);
    }

    /** The Protected Resource Metadata (RFC 9728), at its path and with the resource's path appended. */
    private void resourceMetadata(ServerRequest request, ServerResponse response) {
        Optional<Identity.OAuth> oauth = identity.oauth();
        if (oauth.isEmpty()) {
            error(response, Status.NOT_FOUND_404, INVALID_REQUEST, "This server does not use OAuth: connect with an API "
                    + "token, or with none when authentication is off.");
            return;
        }
        response.header(HeaderNames.CONTENT_TYPE, "application/json")
                .header(HeaderNames.CACHE_CONTROL, "max-age=3600")
                .send(write(ProtectedResource.metadata(oauth.get())));
    }

    private static void notAllowed(ServerRequest request, ServerResponse response) {
        response.status(Status.METHOD_NOT_ALLOWED_405).header(HeaderNames.ALLOW, "POST").send();
    }

    private void post(ServerRequest request, ServerResponse response) {
        if (closing) {
            response.header(HeaderNames.RETRY_AFTER, "1");
            error(response, Status.SERVICE_UNAVAILABLE_503, INTERNAL_ERROR, "The gateway is shutting down; retry.");
            return;
        }
        try {
            origins.validate(headers(request));
        } catch (ServerTransportSecurityException e) {
            refused("origin");
            error(response, Status.FORBIDDEN_403, INVALID_REQUEST,
                    "Origin not allowed: add it to the gateway's allowed origins (MCP_ORIGINS) to call it from that page.");
            return;
        }
        Caller caller = authenticate(request, response);
        if (caller == null) {
            return;
        }
        Duration wait = rateLimits.take(caller.principal().name());
        if (!wait.isZero()) {
            long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
            response.header(HeaderNames.RETRY_AFTER, String.valueOf(seconds));
            refused("rate_limited");
            error(response, Status.TOO_MANY_REQUESTS_429, INTERNAL_ERROR, "Too many requests from "
                    + caller.principal().name() + ": over the per-principal rate limit; retry in " + seconds + " s.");
            return;
        }
        boolean turn;
        try {
            turn = turns.tryAcquire(queueWait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            turn = false;
        }
        if (!turn) {
            refused("shed");
            response.header(HeaderNames.RETRY_AFTER, "1");
            error(response, Status.SERVICE_UNAVAILABLE_503, INTERNAL_ERROR,
                    "The gateway is at capacity; retry in a second.");
            return;
        }
        try {
            serve(request, response, caller);
        } finally {
            turns.release();
        }
    }

    /** The caller of the request; null when it was answered 401 (or 503 when tokens cannot be checked now). */
    private Caller authenticate(ServerRequest request, ServerResponse response) {
        String authorization = request.headers().first(HeaderNames.AUTHORIZATION).orElse(null);
        try {
            return new Caller(authorization, identity.authenticate(authorization));
        } catch (Unauthenticated e) {
            refused("unauthenticated");
            response.header(HeaderNames.WWW_AUTHENTICATE, ProtectedResource.challenge(identity.oauth(),
                    e.credentialMissing() ? null : "invalid_token", e.getMessage(), null));
            error(response, Status.UNAUTHORIZED_401, INVALID_REQUEST, e.getMessage());
        } catch (IdentityUnavailable e) {
            response.header(HeaderNames.RETRY_AFTER, "5");
            error(response, Status.SERVICE_UNAVAILABLE_503, INTERNAL_ERROR, e.getMessage());
        }
        return null;
    }

    private void serve(ServerRequest request, ServerResponse response, Caller caller) {
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
            message = JsonRpcErrors.read(json, request.content().hasEntity() ? request.content().as(String.class) : "");
        } catch (JsonRpcErrors.MalformedMessage malformed) {
            error(response, Status.BAD_REQUEST_400, malformed.code(), malformed.getMessage());
            return;
        }
        McpTransportContext context = McpTransportContext.create(Map.of(Caller.CONTEXT_KEY, caller));
        if (message instanceof McpSchema.JSONRPCRequest call) {
            McpSchema.JSONRPCResponse answer = McpTracing.request(call.method(), call.params(), call.id(), "tcp",
                    McpTracing.fromHeaders(name -> request.headers().first(HeaderNames.create(name)).orElse(null)), () -> {
                        try {
                            return handler.handleRequest(context, call).block();
                        } catch (RuntimeException e) {
                            return JsonRpcErrors.internal(call, e);
                        }
                    }, answered -> answered.error() != null);
            caller.missingGrantScope().ifPresent(scope -> response.status(Status.FORBIDDEN_403)
                    .header(HeaderNames.WWW_AUTHENTICATE, ProtectedResource.challenge(identity.oauth(), "insufficient_scope",
                            "This call needs the scope " + scope + ".", scope)));
            response.header(HeaderNames.CONTENT_TYPE, "application/json").send(write(answer));
        } else {
            if (message instanceof McpSchema.JSONRPCNotification notification) {
                handler.handleNotification(context, notification).block();
            }
            // notifications and responses are accepted without a body
            response.status(Status.ACCEPTED_202).send();
        }
    }

    /** Counts a request refused before it reached the MCP server: {@code kaizen_mcp_http_refused_total{reason}}. */
    private void refused(String reason) {
        counter(reason).increment();
    }

    private Counter counter(String reason) {
        return refusals.computeIfAbsent(reason, key -> Metrics.globalRegistry().getOrCreate(Counter.builder("kaizen.mcp.http.refused")
                .description("MCP HTTP requests refused before the MCP server: shed (503, at capacity), rate_limited (429), "
                        + "unauthenticated (401), origin (403)")
                .tags(List.of(Tag.create("reason", reason)))));
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
                .send(JsonRpcErrors.uncorrelated(json, code, message));
    }
}
