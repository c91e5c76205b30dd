package dev.kaizen.knowledge;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.kaizen.stack.Await;
import dev.kaizen.api.v1.CreateNamespaceRequest;
import dev.kaizen.api.v1.KnowledgeServiceGrpc;
import dev.kaizen.api.v1.WriteKnowledgeRequest;
import dev.kaizen.api.v1.WriteKnowledgeResponse;
import dev.kaizen.stack.PostgresServer;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Calls within their deadlines and a service that refuses fast when full: the knowledge table is
 * locked from another connection, so writes hang in the database as they would on a slow or
 * overloaded one; the service here has two connections and lets a call wait 200 ms for its turn.
 */
class CallLimitsTest {
    private static final Duration WITHIN = Duration.ofSeconds(10);
    /** Blocking calls each on a thread of their own (the common pool has one thread on two cores). */
    private static final java.util.concurrent.ExecutorService CLIENTS = java.util.concurrent.Executors
            .newVirtualThreadPerTaskExecutor();
    private static RunningService service;
    private static String url;
    private static PostgresServer postgres;

    @BeforeAll
    static void start() {
        postgres = PostgresServer.shared();
        url = postgres.createDatabase("call_limits");
        service = RunningService.start(url, postgres, Map.of("db.pool.size", "2", "calls.queue-wait", "PT0.2S"));
        service.namespaces().createNamespace(CreateNamespaceRequest.newBuilder().setName("limits").setDescription("Limits")
                .build());
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    private static WriteKnowledgeRequest write(String content) {
        return WriteKnowledgeRequest.newBuilder().setScope("limits:default").setContent(content).setContext("limits").build();
    }

    /** A transaction holding an exclusive lock on the knowledge table until closed. */
    private static Connection lockKnowledge() throws Exception {
        Connection connection = DriverManager.getConnection(url, postgres.user(), postgres.password());
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            statement.execute("LOCK TABLE knowledge IN ACCESS EXCLUSIVE MODE");
        }
        return connection;
    }

    /** Statements of knowledge-service that PostgreSQL is running (waiting for the lock, here). */
    private static long running() {
        try (Connection connection = DriverManager.getConnection(url, postgres.user(), postgres.password());
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("""
                     SELECT count(*) FROM pg_stat_activity
                     WHERE application_name = 'knowledge-service' AND state = 'active'""")) {
            rows.next();
            return rows.getLong(1);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String activity() {
        try (Connection connection = DriverManager.getConnection(url, postgres.user(), postgres.password());
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("""
                     SELECT string_agg(state || ' ' || coalesce(wait_event_type, '-') || ' ' || left(query, 60), ' | ')
                     FROM pg_stat_activity WHERE application_name = 'knowledge-service'""")) {
            rows.next();
            return rows.getString(1);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theCallersDeadlineBoundsItsStatementsInTheDatabase() throws Exception {
        try (Connection lock = lockKnowledge()) {
            Instant start = Instant.now();
            StatusRuntimeException late = assertThrows(StatusRuntimeException.class, () -> KnowledgeServiceGrpc
                    .newBlockingStub(service.channel).withDeadlineAfter(1, TimeUnit.SECONDS).writeKnowledge(write("Late.")));
            assertEquals(Status.Code.DEADLINE_EXCEEDED, late.getStatus().getCode());
            assertTrue(Duration.between(start, Instant.now()).toMillis() < 2_500);
            Await.until("the statement is cancelled in PostgreSQL, the lock still held", WITHIN, () -> running() == 0, CallLimitsTest::activity);
            lock.rollback();
        }
    }

    @Test
    void aCallItsCallerCancelsCancelsItsStatement() throws Exception {
        try (Connection lock = lockKnowledge()) {
            Context.CancellableContext call = Context.current().withCancellation();
            CompletableFuture<Status> outcome = new CompletableFuture<>();
            call.run(() -> CLIENTS.submit(Context.current().wrap(() -> {
                try {
                    KnowledgeServiceGrpc.newBlockingStub(service.channel).writeKnowledge(write("Abandoned."));
                    outcome.complete(Status.OK);
                } catch (StatusRuntimeException e) {
                    outcome.complete(e.getStatus());
                }
            })));
            Await.until("the write waits for the lock", WITHIN, () -> running() == 1, CallLimitsTest::activity);
            call.cancel(null);
            assertEquals(Status.Code.CANCELLED, outcome.get(5, TimeUnit.SECONDS).getCode());
            Await.until("the statement is cancelled in PostgreSQL, the lock still held", WITHIN, () -> running() == 0, CallLimitsTest::activity);
            lock.rollback();
        }
    }

    @Test
    void whenEveryConnectionIsBusyMoreCallsAreRefusedFastAndTheServiceRecovers() throws Exception {
        KnowledgeServiceGrpc.KnowledgeServiceBlockingStub stub = KnowledgeServiceGrpc.newBlockingStub(service.channel);
        List<CompletableFuture<WriteKnowledgeResponse>> inFlight = new ArrayList<>();
        try (Connection lock = lockKnowledge()) {
            for (int i = 0; i < 2; i++) {
                String content = "In flight " + i + ".";
                inFlight.add(CompletableFuture.supplyAsync(() -> stub.withDeadlineAfter(30, TimeUnit.SECONDS)
                        .writeKnowledge(write(content)), CLIENTS));
            }
            Await.until("two writes hold both connections", WITHIN, () -> running() == 2, CallLimitsTest::activity);
            List<CompletableFuture<Status>> more = new ArrayList<>();
            Instant start = Instant.now();
            for (int i = 0; i < 10; i++) {
                String content = "Refused " + i + ".";
                more.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        stub.withDeadlineAfter(30, TimeUnit.SECONDS).writeKnowledge(write(content));
                        return Status.OK;
                    } catch (StatusRuntimeException e) {
                        return e.getStatus();
                    }
                }, CLIENTS));
            }
            for (CompletableFuture<Status> refused : more) {
                Status status = refused.get(5, TimeUnit.SECONDS);
                assertEquals(Status.Code.RESOURCE_EXHAUSTED, status.getCode(), status::toString);
                assertTrue(status.getDescription().contains("retry"), status::toString);
            }
            assertTrue(Duration.between(start, Instant.now()).toMillis() < 3_000, "refused fast, not at the deadline");
            assertEquals(2, running(), "no pile-up in the database");
            assertEquals(ServingStatus.SERVING, HealthGrpc.newBlockingStub(service.channel)
                    .withDeadlineAfter(2, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()).getStatus(),
                    "health answers while the service is full");
            lock.rollback();
        }
        for (CompletableFuture<WriteKnowledgeResponse> write : inFlight) {
            assertTrue(write.get(10, TimeUnit.SECONDS).getId() > 0, "the calls in flight complete");
        }
        for (int i = 0; i < 10; i++) {
            assertTrue(stub.withDeadlineAfter(5, TimeUnit.SECONDS).writeKnowledge(write("After " + i + ".")).getId() > 0);
        }
    }
}
