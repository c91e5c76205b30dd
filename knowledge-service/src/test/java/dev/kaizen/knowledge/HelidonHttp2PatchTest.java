package dev.kaizen.knowledge;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import dev.kaizen.api.v1.ListNamespacesRequest;
import dev.kaizen.api.v1.NamespaceServiceGrpc;
import dev.kaizen.api.v1.WriteKnowledgeRequest;
import dev.kaizen.api.v1.KnowledgeServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.helidon.http.http2.Http2Headers;
import io.helidon.http.http2.Http2HuffmanEncoder;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The patched classes of Helidon 4.5.0 (helidon-patches) at work in the service. HPACK (see io.helidon.http.http2.Http2Headers): a client
 * that sends a header larger than the HPACK table, or shrinks the table to nothing, used to wedge
 * the connection's thread forever on one core (two such connections froze the whole service on
 * two cores); each such attack here comes over a raw socket, as a hostile client would send it.
 * Flow control (see io.helidon.webserver.http2.Http2ServerStream): calls answered before their
 * request had ended, such as messages larger than the service reads, used to shrink the
 * connection's window for good, until every call on that connection stalled.
 */
class HelidonHttp2PatchTest extends ServiceTest {
    private static final String PATH = "/kaizen.v1.NamespaceService/ListNamespaces";

    @Test
    void theServiceLoadsThePatchedClassesAheadOfHelidonsOwn() throws ClassNotFoundException {
        // helidon-patches' PatchesTest checks each class against the jar it replaces; here, that the
        // service's class path puts the patches first
        for (Class<?> patched : new Class<?>[] {Http2Headers.class, Http2HuffmanEncoder.class,
                Class.forName("io.helidon.webserver.http2.Http2ServerStream")}) {
            String location = patched.getProtectionDomain().getCodeSource().getLocation().toString();
            assertTrue(location.contains("helidon-patches"), patched + " is Helidon's own, from " + location);
        }
    }

    @Test
    void aRequestHeaderLargerThanTheTableIsAnsweredAndTheServiceStaysUp() throws Exception {
        for (int attack = 0; attack < 3; attack++) {
            assertTrue(answered(headers(-1, 5000)), "the stream with the oversized header is answered");
        }
        answersOnANewConnection();
    }

    @Test
    void aTableShrunkToNothingIsHarmless() throws Exception {
        for (int attack = 0; attack < 3; attack++) {
            assertTrue(answered(headers(0, 10)), "the stream after a table size update to 0 is answered");
        }
        answersOnANewConnection();
    }

    @Test
    void messagesLargerThanTheServiceReadsLeaveTheirConnectionWorking() {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", service.server.grpcPort()).usePlaintext()
                .build();
        try {
            WriteKnowledgeRequest tooLarge = WriteKnowledgeRequest.newBuilder().setScope("global:default")
                    .setContent("x".repeat(5 << 20)).setContext("large").build();
            for (int call = 0; call < 20; call++) {
                assertEquals(Status.Code.RESOURCE_EXHAUSTED, assertThrows(StatusRuntimeException.class,
                        () -> KnowledgeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                                .writeKnowledge(tooLarge)).getStatus().getCode());
                int after = call;
                assertTrue(NamespaceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .listNamespaces(ListNamespacesRequest.getDefaultInstance()).getNamespacesCount() > 0,
                        () -> "the same connection answers after oversized message " + after);
            }
        } finally {
            channel.shutdownNow();
        }
    }

    private static void answersOnANewConnection() {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", service.server.grpcPort()).usePlaintext()
                .build();
        try {
            assertTrue(NamespaceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS)
                    .listNamespaces(ListNamespacesRequest.getDefaultInstance()).getNamespacesCount() > 0);
        } finally {
            channel.shutdownNow();
        }
    }

    /**
     * One HTTP/2 HEADERS block for a call of ListNamespaces, with a header "x-big" of {@code size}
     * bytes that asks to be indexed, preceded by a table size update when {@code tableSize >= 0}.
     */
    private static byte[] headers(int tableSize, int size) {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        if (tableSize >= 0) {
            integer(block, tableSize, 5, 0x20);
        }
        block.write(0x83); // :method POST
        block.write(0x86); // :scheme http
        block.write(0x04); // :path (static index 4), not indexed
        string(block, PATH);
        block.write(0x01); // :authority (static index 1), not indexed
        string(block, "localhost");
        block.write(0x0f); // content-type (static index 31 = 15 + 16), not indexed
        block.write(0x10);
        string(block, "application/grpc");
        block.write(0x40); // literal with incremental indexing, new name
        string(block, "x-big");
        string(block, "a".repeat(size));
        return block.toByteArray();
    }

    /** Sends the request on a new connection; whether the stream got its end within a few seconds. */
    private static boolean answered(byte[] headerBlock) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", service.server.grpcPort())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            frame(out, 4, 0, 0, new byte[0]); // SETTINGS
            frame(out, 1, 0x4, 1, headerBlock); // HEADERS, END_HEADERS
            frame(out, 0, 0x1, 1, new byte[] {0, 0, 0, 0, 0}); // an empty request message, END_STREAM
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            try {
                while (true) {
                    int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
                    int type = in.readUnsignedByte();
                    int flags = in.readUnsignedByte();
                    int stream = in.readInt();
                    in.readFully(new byte[length]);
                    if (type == 7 || type == 3 && stream == 1 || stream == 1 && (flags & 1) != 0) {
                        return true; // GOAWAY, RST_STREAM or the end of the stream: answered either way
                    }
                }
            } catch (SocketTimeoutException e) {
                return false;
            }
        }
    }

    private static void string(ByteArrayOutputStream block, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        integer(block, bytes.length, 7, 0);
        block.writeBytes(bytes);
    }

    /** An HPACK integer with a {@code prefix}-bit prefix (RFC 7541 section 5.1). */
    private static void integer(ByteArrayOutputStream block, int value, int prefix, int flags) {
        int max = (1 << prefix) - 1;
        if (value < max) {
            block.write(flags | value);
            return;
        }
        block.write(flags | max);
        for (value -= max; value >= 128; value >>= 7) {
            block.write(value & 0x7f | 0x80);
        }
        block.write(value);
    }

    private static void frame(OutputStream out, int type, int flags, int stream, byte[] payload) throws IOException {
        out.write(new byte[] {(byte) (payload.length >> 16), (byte) (payload.length >> 8), (byte) payload.length,
                (byte) type, (byte) flags, (byte) (stream >> 24), (byte) (stream >> 16), (byte) (stream >> 8), (byte) stream});
        out.write(payload);
    }

    @Test
    void theRawClientSpeaksValidHttp2() throws Exception {
        assertTrue(answered(headers(-1, 10)), "a small header: a plain call, answered");
    }
}
