package dev.kaizen.knowledge;

import io.helidon.dbclient.DbExecute;

/**
 * The audit log: one row per change, written by the change's own transaction (so a change and its
 * record commit or vanish together) and never altered (triggers refuse UPDATE, DELETE and TRUNCATE).
 */
final class Audit {
    /** The principal of what the service does on its own (applying the history retention). */
    static final String SERVICE = "kaizen";

    private Audit() {
    }

    /**
     * Records that the caller did {@code action} (e.g. {@code knowledge.write}) to {@code target} in
     * {@code namespace} (null for server-wide changes), with {@code details} (may be empty).
     */
    static void record(DbExecute tx, String action, String namespace, String target, String details) {
        record(tx, Access.caller().name(), action, namespace, target, details);
    }

    /** As {@link #record(DbExecute, String, String, String, String)}, by the service itself (no caller). */
    static void recordByService(DbExecute tx, String action, String target, String details) {
        record(tx, SERVICE, action, null, target, details);
    }

    private static void record(DbExecute tx, String principal, String action, String namespace, String target,
                               String details) {
        Sql.update(tx, "INSERT INTO audit_event (principal, action, namespace, target, details) VALUES (?, ?, ?, ?, ?)",
                principal, action, namespace, target, details);
    }
}
