package dev.kaizen.knowledge;

import java.util.Map;

import dev.kaizen.api.ErrorDetails;
import dev.kaizen.api.Headers;
import dev.kaizen.identity.Grant;
import dev.kaizen.identity.Principal;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * Who the current call's caller is, and every grant check of knowledge-service. A refusal is
 * PERMISSION_DENIED naming the grant that is missing, with that grant's OAuth scope in the
 * {@link Headers#REQUIRED_GRANT_SCOPE} trailer and the ErrorInfo (the gateway answers it as HTTP 403 insufficient_scope).
 * Checks go by namespace name, before anything is looked up, so a refusal never tells whether
 * something exists where the caller may not read.
 */
final class Access {
    /** The caller, set by {@link Authentication} for every kaizen.* call. */
    static final Context.Key<Principal> CALLER = Context.key("kaizen.caller");

    private Access() {
    }

    static Principal caller() {
        Principal caller = CALLER.get();
        if (caller == null) {
            throw new IllegalStateException("no caller: the Authentication interceptor did not run for this call");
        }
        return caller;
    }

    static boolean mayRead(String namespace) {
        return caller().may(Grant.READ, namespace);
    }

    /** Requires {@code grant} on {@code namespace} to do {@code what} (e.g. "write knowledge in"). */
    static void require(Grant grant, String namespace, String what) {
        if (!caller().may(grant, namespace)) {
            throw denied(Principal.grantScope(grant, namespace), "to " + what + " namespace '" + namespace + "' needs the grant "
                    + grant.word() + " on '" + namespace + "'");
        }
    }

    /** Requires the server-wide admin grant to do {@code what} (e.g. "create namespaces"). */
    static void requireServerAdmin(String what) {
        if (!caller().serverAdmin()) {
            throw denied(Principal.SERVER_ADMIN_GRANT_SCOPE, "to " + what + " needs the server-wide admin grant");
        }
    }

    private static StatusRuntimeException denied(String grantScope, String need) {
        StatusRuntimeException refusal = ErrorDetails.refusal(Status.Code.PERMISSION_DENIED, "Permission denied: " + need
                + " (OAuth scope " + grantScope + "), which " + caller().name() + " does not have; ask an admin to grant it.",
                ErrorDetails.Reason.GRANT_MISSING, Map.of(ErrorDetails.REQUIRED_GRANT_SCOPE, grantScope), null, null);
        refusal.getTrailers().put(Headers.REQUIRED_GRANT_SCOPE, grantScope);
        return refusal;
    }
}
