package dev.kaizen.knowledge;

import dev.kaizen.api.ErrorDetails;
import dev.kaizen.api.ErrorDetails.Reason;
import dev.kaizen.api.Headers;
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
import io.grpc.StatusRuntimeException;

/**
 * Every kaizen.* call is made by a principal: the {@code authorization} metadata (a bearer OAuth
 * token or API token: the gateway forwards its caller's, other services send their own) is checked
 * by {@link Identity}, and the principal goes into the call's context for {@link Access}. Without a
 * valid credential the call ends UNAUTHENTICATED before it takes any resource (a thread or a turn). Health checks need
 * none: probes and load balancers ask them.
 */
final class Authentication implements ServerInterceptor {
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
            caller = identity.authenticate(headers.get(Headers.AUTHORIZATION));
        } catch (Unauthenticated e) {
            return refuseOnceSent(call, ErrorDetails.refusal(Status.Code.UNAUTHENTICATED, Reason.CREDENTIAL_MISSING,
                    e.getMessage()));
        } catch (IdentityUnavailable e) {
            return refuseOnceSent(call, ErrorDetails.refusal(Status.Code.UNAVAILABLE, Reason.UNAVAILABLE, e.getMessage()));
        }
        return Contexts.interceptCall(Context.current().withValue(Access.CALLER, caller), call, headers, next);
    }

    /**
     * Ends the call with {@code refusal} once the caller has sent its request, which is read and
     * dropped: Helidon 4.5.0 ends the whole HTTP/2 connection with a protocol error when request data
     * arrives on a stream it has already answered, failing every other call on that connection (the
     * gateway's calls for all its users). (Helidon workaround (helidon-patches/README.md).)
     */
    private static <Q, R> ServerCall.Listener<Q> refuseOnceSent(ServerCall<Q, R> call, StatusRuntimeException refusal) {
        call.request(Integer.MAX_VALUE);
        return new ServerCall.Listener<>() {
            @Override
            public void onHalfClose() {
                Failures.close(call, refusal);
            }
        };
    }
}
