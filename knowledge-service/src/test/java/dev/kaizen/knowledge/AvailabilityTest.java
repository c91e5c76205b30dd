package dev.kaizen.knowledge;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.kaizen.stack.Await;
import dev.kaizen.api.v1.CreateNamespaceRequest;
import dev.kaizen.api.v1.WriteKnowledgeRequest;
import dev.kaizen.stack.PostgresServer;
import dev.kaizen.stack.TcpProxy;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** knowledge-service while PostgreSQL goes away and comes back, seen through a cuttable proxy. */
class AvailabilityTest {
    private static final Duration WITHIN = Duration.ofSeconds(20);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static TcpProxy proxy;
    private static RunningService service;

    @BeforeAll
    static void start() throws Exception {
        PostgresServer postgres = PostgresServer.shared();
        String url = postgres.createDatabase("availability");
        String[] hostPort = postgres.hostAndPort().split(":");
        proxy = new TcpProxy(hostPort[0], Integer.parseInt(hostPort[1]));
        String proxied = url.replace(postgres.hostAndPort(), "127.0.0.1:" + proxy.port());
        service = RunningService.start(proxied, postgres, Map.of("db.pool.timeout", "PT1S"));
    }

    @AfterAll
    static void stop() throws Exception {
        service.close();
        proxy.close();
    }

    @Test
    void databaseDownMeansUnavailableAndNotReadyThenRecoveryWithoutRestart() throws Exception {
        service.namespaces().createNamespace(CreateNamespaceRequest.newBuilder().setName("avail").setDescription("Avail").build());
        assertEquals(200, ready());
        assertEquals(ServingStatus.SERVING, grpcHealth());

        proxy.cut();
        String message = ServiceTest.assertRefused(Status.Code.UNAVAILABLE, this::write);
        assertTrue(message.contains("unavailable"), message);
        Await.until("readiness turns false while the database is down", WITHIN, () -> ready() == 503);
        Await.until("grpc health turns NOT_SERVING", WITHIN, () -> grpcHealth() == ServingStatus.NOT_SERVING);
        assertEquals(200, get("/observe/health/live"), "the process itself stays alive");

        proxy.reconnect();
        Await.until("writes work again once the database is back", WITHIN, () -> {
            try {
                write();
                return true;
            } catch (RuntimeException e) {
                return false;
            }
        });
        Await.until("readiness turns true again", WITHIN, () -> ready() == 200);
        assertEquals(ServingStatus.SERVING, grpcHealth());
    }

    private void write() {
        service.knowledge().writeKnowledge(WriteKnowledgeRequest.newBuilder().setScope("avail:default")
                .setContent("Still here").setContext("availability").build());
    }

    private static int ready() {
        return get("/observe/health/ready");
    }

    private static ServingStatus grpcHealth() {
        return HealthGrpc.newBlockingStub(service.channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService("kaizen.v1.KnowledgeService").build()).getStatus();
    }

    static int get(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.server.adminPort() + path))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

}
