package dev.kaizen.gateway;

import java.util.Optional;
import java.util.function.Supplier;

import dev.kaizen.identity.Principal;
import io.grpc.Context;
import io.modelcontextprotocol.common.McpTransportContext;

/**
 * The MCP caller of one HTTP request, as the transport authenticated it: the credential the gateway
 * forwards to knowledge-service (which enforces the grants), the principal (for rate limits), and
 * the scope a refusal asked for (answered as HTTP 403 insufficient_scope). Work done
 * {@link #within} a request sees it through the gRPC {@link Context}, where the client reads it.
 */
final class Caller {
    static final String CONTEXT_KEY = "kaizen.caller";
    private static final Context.Key<Caller> CURRENT = Context.key("kaizen.caller");

    private final String authorization;
    private final Principal principal;
    private volatile String missingGrantScope;

    Caller(String authorization, Principal principal) {
        this.authorization = authorization;
        this.principal = principal;
    }

    /** Runs {@code work} as the caller of the request whose transport context is {@code context}, if any. */
    static <T> T within(McpTransportContext context, Supplier<T> work) {
        Object caller = context == null ? null : context.get(CONTEXT_KEY);
        if (!(caller instanceof Caller known)) {
            return work.get();
        }
        try {
            return Context.current().withValue(CURRENT, known).call(work::get);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Optional<Caller> current() {
        return Optional.ofNullable(CURRENT.get());
    }

    /** The Authorization header value to forward; null when the caller sent none. */
    String authorization() {
        return authorization;
    }

    Principal principal() {
        return principal;
    }

    /** Notes that knowledge-service refused for want of {@code grantScope} (an OAuth scope such as kaizen:write:acme). */
    void deniedFor(String grantScope) {
        missingGrantScope = grantScope;
    }

    Optional<String> missingGrantScope() {
        return Optional.ofNullable(missingGrantScope);
    }
}
