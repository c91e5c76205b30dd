package dev.kaizen.gateway;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.server.McpStatelessServerHandler;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCResponse.JSONRPCError;
import io.modelcontextprotocol.spec.McpServerSession;
import io.modelcontextprotocol.spec.McpServerTransport;
import io.modelcontextprotocol.spec.McpServerTransportProvider;
import reactor.core.publisher.Mono;

/**
 * The JSON-RPC errors the gateway answers, in one place, so that no error carries exception text or
 * class names. The MCP SDK answers -32603 with the message of whatever it caught (a Jackson
 * exception for {@code "params": "x"}, a NullPointerException for {@code "params": null}) and
 * throws instead of answering when it cannot convert params; errors it builds on purpose (method
 * not found, unknown tool or prompt) keep their messages.
 */
final class JsonRpcErrors {
    static final int PARSE_ERROR = -32700;
    static final int INVALID_REQUEST = -32600;
    static final int INVALID_PARAMS = -32602;
    static final int INTERNAL_ERROR = -32603;
    private static final System.Logger LOG = System.getLogger(JsonRpcErrors.class.getName());

    private JsonRpcErrors() {
    }

    /**
     * {@code text} as one JSON-RPC 2.0 message, or the reason it is not one (never the parser's own
     * words): the one rule of what the gateway reads, on every transport.
     */
    static McpSchema.JSONRPCMessage read(McpJsonMapper json, String text) {
        Object parsed;
        try {
            parsed = json.readValue(text, Object.class);
        } catch (IOException | RuntimeException e) {
            throw new MalformedMessage(PARSE_ERROR, "Parse error: the message is not JSON; send one JSON-RPC 2.0 "
                    + "message as a JSON object.");
        }
        if (!(parsed instanceof Map<?, ?> fields)) {
            throw new MalformedMessage(INVALID_REQUEST, "Invalid request: send one JSON-RPC 2.0 message as a JSON "
                    + "object (batches are not supported).");
        }
        if (!"2.0".equals(fields.get("jsonrpc"))) {
            throw new MalformedMessage(INVALID_REQUEST, "Invalid request: \"jsonrpc\" must be \"2.0\".");
        }
        Object method = fields.get("method");
        Object id = fields.get("id");
        if (method != null && !(method instanceof String)
                || id != null && !(id instanceof String || id instanceof Integer || id instanceof Long)) {
            throw new MalformedMessage(INVALID_REQUEST, "Invalid request: \"method\" must be a string and \"id\" a "
                    + "string or an integer.");
        }
        try {
            return McpSchema.deserializeJsonRpcMessage(json, text);
        } catch (IOException | RuntimeException e) {
            throw new MalformedMessage(INVALID_REQUEST, "Invalid request: a request has a \"method\" and an \"id\", "
                    + "a notification a \"method\" and no \"id\".");
        }
    }

    /** A text that is not one JSON-RPC 2.0 message: the JSON-RPC error code and what to send instead. */
    static final class MalformedMessage extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int code;

        MalformedMessage(int code, String message) {
            super(message, null, false, false);
            this.code = code;
        }

        int code() {
            return code;
        }
    }

    /** The JSON of an error that answers no request id: the message it answers could not be read. */
    static String uncorrelated(McpJsonMapper json, int code, String message) {
        try {
            return "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":" + code + ",\"message\":"
                    + json.writeValueAsString(message) + "}}";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The SDK's request handler, answering every request with a result or an error a person can read. */
    static McpStatelessServerHandler guard(McpStatelessServerHandler sdk) {
        return new McpStatelessServerHandler() {
            @Override
            public Mono<McpSchema.JSONRPCResponse> handleRequest(McpTransportContext context,
                                                                 McpSchema.JSONRPCRequest request) {
                if (request.params() != null && !(request.params() instanceof Map)
                        || request.params() == null && McpSchema.METHOD_INITIALIZE.equals(request.method())) {
                    return Mono.just(invalidParams(request));
                }
                return Mono.defer(() -> sdk.handleRequest(context, request))
                        // the SDK throws while it converts params it cannot read
                        .onErrorResume(e -> {
                            LOG.log(System.Logger.Level.DEBUG, "params of " + request.method() + " refused", e);
                            return Mono.just(invalidParams(request));
                        })
                        .switchIfEmpty(Mono.fromSupplier(() -> internal(request, "no answer")))
                        .map(response -> sanitize(request, response));
            }

            @Override
            public Mono<Void> handleNotification(McpTransportContext context, McpSchema.JSONRPCNotification notification) {
                return Mono.defer(() -> sdk.handleNotification(context, notification)).onErrorResume(e -> Mono.empty());
            }
        };
    }

    /**
     * A session transport (stdio) whose internal errors are answered like the stateless ones: the
     * session server too puts the text of whatever it caught into -32603 errors.
     */
    static McpServerTransportProvider guard(McpServerTransportProvider sessions) {
        return new McpServerTransportProvider() {
            @Override
            public void setSessionFactory(McpServerSession.Factory factory) {
                sessions.setSessionFactory(transport -> factory.create(new McpServerTransport() {
                    @Override
                    public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
                        return transport.sendMessage(message instanceof McpSchema.JSONRPCResponse response
                                ? sanitize(null, response) : message);
                    }

                    @Override
                    public <T> T unmarshalFrom(Object data, TypeRef<T> type) {
                        return transport.unmarshalFrom(data, type);
                    }

                    @Override
                    public Mono<Void> closeGracefully() {
                        return transport.closeGracefully();
                    }

                    @Override
                    public void close() {
                        transport.close();
                    }
                }));
            }

            @Override
            public Mono<Void> notifyClients(String method, Object params) {
                return sessions.notifyClients(method, params);
            }

            @Override
            public Mono<Void> closeGracefully() {
                return sessions.closeGracefully();
            }

            @Override
            public List<String> protocolVersions() {
                return sessions.protocolVersions();
            }
        };
    }

    /** The response, with an internal error's message replaced by a reference to the log line that keeps it. */
    static McpSchema.JSONRPCResponse sanitize(McpSchema.JSONRPCRequest request, McpSchema.JSONRPCResponse response) {
        JSONRPCError error = response.error();
        if (error == null || error.code() != INTERNAL_ERROR) {
            return response;
        }
        return McpSchema.JSONRPCResponse.error(response.id(), new JSONRPCError(INTERNAL_ERROR,
                internalMessage(request == null ? "request " + response.id() : request.method(), error.message()), null));
    }

    /** An internal error whose details go to the log only. */
    static McpSchema.JSONRPCResponse internal(McpSchema.JSONRPCRequest request, Object details) {
        return McpSchema.JSONRPCResponse.error(request.id(),
                new JSONRPCError(INTERNAL_ERROR, internalMessage(request.method(), details), null));
    }

    /** One sentence for a bug, with a reference to the log line that has the details. */
    static String internalMessage(String what, Object details) {
        String reference = UUID.randomUUID().toString();
        if (details instanceof Throwable failure) {
            LOG.log(System.Logger.Level.ERROR, what + " failed, reference " + reference, failure);
        } else {
            LOG.log(System.Logger.Level.ERROR, what + " failed, reference " + reference + ": " + details);
        }
        return "Internal error in mcp-gateway (reference " + reference + "); retry, or report it if it persists.";
    }

    private static McpSchema.JSONRPCResponse invalidParams(McpSchema.JSONRPCRequest request) {
        return McpSchema.JSONRPCResponse.error(request.id(), new JSONRPCError(INVALID_PARAMS,
                "Invalid params for " + request.method() + ": params must be an object with the fields the method "
                        + "takes (see the MCP specification).", null));
    }
}
