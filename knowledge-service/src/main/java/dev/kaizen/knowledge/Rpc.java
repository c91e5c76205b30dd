package dev.kaizen.knowledge;

import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

import io.helidon.webserver.grpc.GrpcService;

/**
 * The one path every RPC takes: run the handler, answer its result, or answer the status
 * {@link Failures} maps its failure to. A service lists its RPCs with {@link #routes} and each
 * handler only says what is its own.
 */
final class Rpc {
    private final GrpcService.Routing routing;
    private final String service;

    private Rpc(GrpcService.Routing routing, String service) {
        this.routing = routing;
        this.service = service;
    }

    static Rpc routes(GrpcService.Routing routing, String service) {
        return new Rpc(routing, service);
    }

    <Q, R> Rpc unary(String method, Function<Q, R> handler) {
        String name = service + "/" + method;
        routing.<Q, R>unary(method, (request, responses) -> {
            R response;
            try {
                response = handler.apply(request);
            } catch (RuntimeException e) {
                responses.onError(Failures.toStatus(e, name).asRuntimeException());
                return;
            }
            responses.onNext(response);
            responses.onCompleted();
        });
        return this;
    }

    /** A server-streaming RPC: the handler hands each response to the consumer it is given. */
    <Q, R> Rpc serverStream(String method, BiConsumer<Q, Consumer<R>> handler) {
        String name = service + "/" + method;
        routing.<Q, R>serverStream(method, (request, responses) -> {
            try {
                handler.accept(request, responses::onNext);
            } catch (RuntimeException e) {
                responses.onError(Failures.toStatus(e, name).asRuntimeException());
                return;
            }
            responses.onCompleted();
        });
        return this;
    }
}
