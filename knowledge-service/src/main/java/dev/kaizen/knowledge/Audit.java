package dev.kaizen.knowledge;

import io.helidon.dbclient.DbExecute;

/**
 * The audit log: one row per change, written by the change's own transaction (so a change and its
 * record commit or vanish together) and never altered (triggers refuse UPDATE, DELETE and TRUNCATE).
 */
final class Audit {
    private Audit() {
    }

    /**
     * Records that the caller did {@code action} (e.g. {@code knowledge.write}) to {@code target} in
     * {@code namespace} (null for server-wide changes), with {@code details} (may be empty).
     */
    static void record(DbExecute tx, String action, String namespace, String target, String details) {
        Sql.update(tx, "INSERT INTO audit_event (principal, action, namespace, target, details) VALUES (?, ?, ?, ?, ?)",
                Access.caller().name(), action, namespace, target, details);
    }
}
