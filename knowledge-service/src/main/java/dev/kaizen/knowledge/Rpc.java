package dev.kaizen.knowledge;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.kaizen.api.ErrorDetails;
import dev.kaizen.api.RawMessages;
import dev.kaizen.api.Rules;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoFileDescriptorSupplier;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

/**
 * The one path every RPC takes: read the request, check its text, run the handler, answer its
 * result, or answer the status {@link Failures} maps its failure to. A service lists its RPCs with
 * {@link #service} (by the generated method descriptors, so names and types cannot drift from the
 * proto) and each handler only says what is its own.
 * <p>
 * Requests arrive as bytes and are parsed here: when Helidon 4.5.0 parses a request itself and
 * fails (broken protobuf, a string that is not UTF-8, as grpc-js sends an unpaired surrogate), it
 * logs and never answers, and the caller waits for its deadline. (Helidon workaround (helidon-patches/README.md).)
 */
final class Rpc {
    private final ServiceDescriptor api;
    private final ServiceDescriptor.Builder descriptor;
    private final List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();

    private Rpc(ServiceDescriptor api) {
        this.api = api;
        // the proto stays the service's schema, for reflection
        this.descriptor = ServiceDescriptor.newBuilder(api.getName()).setSchemaDescriptor(api.getSchemaDescriptor());
    }

    /** Starts the definition of the service {@code api} (e.g. {@code NamespaceServiceGrpc.getServiceDescriptor()}). */
    static Rpc service(ServiceDescriptor api) {
        return new Rpc(api);
    }

    <Q extends Message, R> Rpc unary(MethodDescriptor<Q, R> method, Function<Q, R> handler) {
        MethodDescriptor<byte[], R> raw = raw(method);
        methods.add(ServerMethodDefinition.create(raw, ServerCalls.asyncUnaryCall((byte[] bytes, StreamObserver<R> responses) -> {
            R response;
            try {
                response = handler.apply(request(method, bytes));
            } catch (RuntimeException e) {
                responses.onError(Failures.toWire(e, method.getFullMethodName()));
                return;
            }
            responses.onNext(response);
            responses.onCompleted();
        })));
        return this;
    }

    /** A server-streaming RPC: the handler hands each response to the consumer it is given. */
    <Q extends Message, R> Rpc serverStream(MethodDescriptor<Q, R> method, BiConsumer<Q, Consumer<R>> handler) {
        MethodDescriptor<byte[], R> raw = raw(method);
        methods.add(ServerMethodDefinition.create(raw, ServerCalls.asyncServerStreamingCall((byte[] bytes, StreamObserver<R> responses) -> {
            try {
                handler.accept(request(method, bytes), responses::onNext);
            } catch (RuntimeException e) {
                responses.onError(Failures.toWire(e, method.getFullMethodName()));
                return;
            }
            responses.onCompleted();
        })));
        return this;
    }

    ServerServiceDefinition build() {
        ServerServiceDefinition.Builder definition = ServerServiceDefinition.builder(descriptor.build());
        methods.forEach(definition::addMethod);
        return definition.build();
    }

    /** The .proto file that declares a service built here, for server reflection. */
    static Descriptors.FileDescriptor protoFile(ServerServiceDefinition service) {
        return ((ProtoFileDescriptorSupplier) service.getServiceDescriptor().getSchemaDescriptor()).getFileDescriptor();
    }

    private <Q, R> MethodDescriptor<byte[], R> raw(MethodDescriptor<Q, R> method) {
        if (!api.getMethods().contains(method)) {
            throw new IllegalArgumentException(method.getFullMethodName() + " is not a method of " + api.getName());
        }
        MethodDescriptor<byte[], R> raw = RawMessages.raw(method);
        descriptor.addMethod(raw);
        return raw;
    }

    /** The request parsed from its bytes, with every string checked; INVALID_ARGUMENT when it is not one. */
    private static <Q extends Message> Q request(MethodDescriptor<Q, ?> method, byte[] bytes) {
        Q request;
        try {
            request = method.parseRequest(new ByteArrayInputStream(bytes));
        } catch (StatusRuntimeException | IllegalArgumentException e) {
            throw ErrorDetails.refusal(Status.Code.INVALID_ARGUMENT, ErrorDetails.Reason.UNREADABLE_REQUEST,
                    "The request is not a valid message for " + method.getFullMethodName() + ": its bytes are not "
                    + "protobuf, or a string in it is not valid UTF-8; send it with a gRPC library generated from the "
                    + "kaizen.v1 protos.");
        }
        checkText("", request);
        return request;
    }

    /**
     * Checks every string of the request, however deep, against {@link Rules#text} and names the
     * field that breaks it ({@code entries[2].content}), so no handler can forget a field.
     */
    static void checkText(String prefix, Message message) {
        for (Map.Entry<FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
            String name = prefix + field.getKey().getName();
            if (field.getKey().isRepeated()) {
                List<?> values = (List<?>) field.getValue();
                for (int i = 0; i < values.size(); i++) {
                    checkValue(name + "[" + i + "]", values.get(i));
                }
            } else {
                checkValue(name, field.getValue());
            }
        }
    }

    private static void checkValue(String name, Object value) {
        if (value instanceof String text) {
            Rules.text(name, text);
        } else if (value instanceof Message nested) {
            checkText(name + ".", nested);
        }
    }
}
