package dev.kaizen.knowledge;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.kaizen.api.v1.ListNamespacesRequest;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What operators and tools like grpcurl and Kubernetes probes see. */
class ObservabilityTest extends ServiceTest {

    @Test
    void reflectionListsTheKaizenServices() throws Exception {
        CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(service.channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse response) {
                        answer.complete(response);
                    }

                    @Override
                    public void onError(Throwable t) {
                        answer.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        List<String> services = answer.get(10, TimeUnit.SECONDS).getListServicesResponse().getServiceList().stream()
                .map(ServiceResponse::getName).toList();
        requests.onCompleted();
        assertTrue(services.containsAll(List.of("kaizen.v1.NamespaceService", "kaizen.v1.ScopeService",
                "kaizen.v1.KnowledgeService", "kaizen.v1.ConfigService", "grpc.health.v1.Health")), services::toString);
    }

    @Test
    void grpcHealthServesTheWholeServerAndEachService() {
        var health = HealthGrpc.newBlockingStub(service.channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        for (String name : List.of("", "kaizen.v1.NamespaceService", "kaizen.v1.ConfigService")) {
            assertEquals(ServingStatus.SERVING, health.check(HealthCheckRequest.newBuilder().setService(name).build())
                    .getStatus(), name);
        }
    }

    @Test
    void httpHealthAndPrometheusMetricsAreOnTheAdminPort() throws Exception {
        service.namespaces().listNamespaces(ListNamespacesRequest.getDefaultInstance());
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + service.server.adminPort();
        assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(base + "/observe/health/live")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode());
        assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(base + "/observe/health/ready")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode());
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/observe/metrics"))
                .header("Accept", "text/plain").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.body().contains("kaizen_grpc_server_calls")
                && metrics.body().contains("kaizen.v1.NamespaceService/ListNamespaces"), metrics.body());
    }
}
