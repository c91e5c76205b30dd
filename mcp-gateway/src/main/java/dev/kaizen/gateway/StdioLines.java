package dev.kaizen.gateway;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import io.modelcontextprotocol.json.McpJsonMapper;

/**
 * stdin as the MCP SDK's stdio transport reads it: one JSON-RPC message per line. The SDK ends the
 * session at the first line it cannot read (and the gateway would wait for an end of input nobody
 * reads any more), so a line that is not one JSON-RPC 2.0 message, or is longer than the limit, is
 * answered here on stdout with the error an HTTP client gets for the same body, and the session
 * goes on. Blank lines are skipped; the end of input is reported to {@code atEnd}.
 */
final class StdioLines extends InputStream {
    private final InputStream in;
    private final OutputStream out;
    private final McpJsonMapper json;
    private final int limit;
    private final Runnable atEnd;
    private byte[] line = new byte[0];
    private int position;

    StdioLines(InputStream in, OutputStream out, McpJsonMapper json, int limit, Runnable atEnd) {
        this.in = new BufferedInputStream(in);
        this.out = out;
        this.json = json;
        this.limit = limit;
        this.atEnd = atEnd;
    }

    @Override
    public int read() throws IOException {
        return next() ? line[position++] & 0xff : -1;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (!next()) {
            return -1;
        }
        int count = Math.min(length, line.length - position);
        System.arraycopy(line, position, buffer, offset, count);
        position += count;
        return count;
    }

    /** Whether a readable line has bytes left, reading and answering lines until one does. */
    private boolean next() throws IOException {
        while (position == line.length) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            long length = 0;
            int b;
            while ((b = in.read()) != -1 && b != '\n') {
                if (++length <= limit) {
                    bytes.write(b);
                }
            }
            if (b == -1 && length == 0) {
                atEnd.run();
                return false;
            }
            String text = bytes.toString(StandardCharsets.UTF_8).strip();
            if (length > limit) {
                answer(JsonRpcErrors.INVALID_REQUEST, "Invalid request: a message is at most " + limit
                        + " bytes; send a smaller one.");
            } else if (!text.isEmpty()) {
                try {
                    JsonRpcErrors.read(json, text);
                    line = (text + "\n").getBytes(StandardCharsets.UTF_8);
                    position = 0;
                } catch (JsonRpcErrors.MalformedMessage malformed) {
                    answer(malformed.code(), malformed.getMessage());
                }
            }
        }
        return true;
    }

    private void answer(int code, String message) throws IOException {
        byte[] error = (JsonRpcErrors.uncorrelated(json, code, message) + "\n").getBytes(StandardCharsets.UTF_8);
        // the SDK writes its messages holding the same lock
        synchronized (out) {
            out.write(error);
            out.flush();
        }
    }
}
