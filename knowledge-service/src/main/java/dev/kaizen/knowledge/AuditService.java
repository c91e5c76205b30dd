package dev.kaizen.knowledge;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;

import dev.kaizen.api.Rules;
import dev.kaizen.api.v1.AuditEvent;
import dev.kaizen.api.v1.AuditServiceGrpc;
import dev.kaizen.api.v1.ListAuditEventsRequest;
import dev.kaizen.api.v1.ListAuditEventsResponse;
import dev.kaizen.identity.Grant;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.helidon.dbclient.DbRow;

/** kaizen.v1.AuditService: the audit log, newest first, for server-wide admins and, per namespace, its admins. */
final class AuditService implements BindableService {
    private final Database database;

    AuditService(Database database) {
        this.database = database;
    }

    @Override
    public ServerServiceDefinition bindService() {
        return Rpc.service(AuditServiceGrpc.getServiceDescriptor())
                .unary(AuditServiceGrpc.getListAuditEventsMethod(), this::listAuditEvents)
                .build();
    }

    private ListAuditEventsResponse listAuditEvents(ListAuditEventsRequest request) {
        String namespace = request.hasNamespace() ? Rules.name("namespace", request.getNamespace()) : null;
        int size = request.getPageSize() == 0 ? Rules.AUDIT_PAGE_DEFAULT : Rules.auditPageSize("page_size", request.getPageSize());
        long before = request.getBeforeId() == 0 ? Long.MAX_VALUE : Rules.id("before_id", request.getBeforeId());
        if (namespace == null) {
            Access.requireServerAdmin("read the whole audit log (a namespace admin reads one namespace's: give namespace)");
        } else {
            Access.require(Grant.ADMIN, namespace, "read the audit log of");
        }
        List<DbRow> rows = database.inTransaction(db -> Sql.rows(db, """
                SELECT id, time, principal, action, namespace, target, details FROM audit_event
                WHERE id < ? AND (?::text IS NULL OR namespace = ?)
                ORDER BY id DESC
                LIMIT ?""", before, namespace, namespace, size + 1));
        ListAuditEventsResponse.Builder response = ListAuditEventsResponse.newBuilder();
        for (DbRow row : rows.subList(0, Math.min(size, rows.size()))) {
            Instant time = ((Timestamp) row.column("time").get()).toInstant();
            response.addEvents(AuditEvent.newBuilder()
                    .setId(Sql.number(row, "id"))
                    .setTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(time.getEpochSecond()).setNanos(time.getNano()))
                    .setPrincipal(Sql.string(row, "principal"))
                    .setAction(Sql.string(row, "action"))
                    .setNamespace(Sql.value(row, "namespace") == null ? "" : Sql.string(row, "namespace"))
                    .setTarget(Sql.string(row, "target"))
                    .setDetails(Sql.string(row, "details")));
        }
        if (rows.size() > size) {
            response.setNextPageBeforeId(response.getEvents(size - 1).getId());
        }
        return response.build();
    }
}
