package dev.kaizen.knowledge;

import dev.kaizen.identity.Identity;
import dev.kaizen.identity.IdentityUnavailable;
import dev.kaizen.identity.Principal;
import dev.kaizen.identity.Unauthenticated;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Every kaizen.* call is made by a principal: the {@code authorization} metadata (a bearer OAuth
 * token or API token: the gateway forwards its caller's, other services send their own) is checked
 * by {@link Identity}, and the principal goes into the call's context for {@link Access}. Without a
 * valid credential the call ends UNAUTHENTICATED before it takes any resource. Health checks need
 * none: probes and load balancers ask them.
 */
final class Authentication implements ServerInterceptor {
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private final Identity identity;

    Authentication(Identity identity) {
        this.identity = identity;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String service = call.getMethodDescriptor().getServiceName();
        if (service == null || !service.startsWith("kaizen.")) {
            return next.startCall(call, headers);
        }
        Principal caller;
        try {
            caller = identity.authenticate(headers.get(AUTHORIZATION));
        } catch (Unauthenticated e) {
            call.close(Status.UNAUTHENTICATED.withDescription(Failures.wire(e.getMessage())), new Metadata());
            return new ServerCall.Listener<>() { };
        } catch (IdentityUnavailable e) {
            call.close(Status.UNAVAILABLE.withDescription(Failures.wire(e.getMessage())), new Metadata());
            return new ServerCall.Listener<>() { };
        }
        return Contexts.interceptCall(Context.current().withValue(Access.CALLER, caller), call, headers, next);
    }
}
