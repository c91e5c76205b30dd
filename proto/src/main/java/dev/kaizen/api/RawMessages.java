package dev.kaizen.api;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import io.grpc.MethodDescriptor;

/**
 * gRPC messages as their bytes, unparsed: knowledge-service parses requests itself (to answer what
 * is not a valid message), and tests send bytes that are not one.
 */
public final class RawMessages {
    public static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private RawMessages() {
    }

    /** {@code method} with its requests as bytes; its responses stay as they are. */
    public static <Q, R> MethodDescriptor<byte[], R> raw(MethodDescriptor<Q, R> method) {
        return method.toBuilder(BYTES, method.getResponseMarshaller()).build();
    }

    /** {@code method} with requests and responses as bytes. */
    public static MethodDescriptor<byte[], byte[]> rawBoth(MethodDescriptor<?, ?> method) {
        return MethodDescriptor.<byte[], byte[]>newBuilder(BYTES, BYTES).setFullMethodName(method.getFullMethodName())
                .setType(method.getType()).build();
    }
}
