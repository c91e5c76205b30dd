package dev.kaizen.stack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on a loopback port that a test can cut and reconnect, to make a real server look
 * down (connections refused, open ones broken) and back up, without stopping it; or freeze, so the
 * connections open now stop carrying bytes (as a wedged connection does) while new ones work.
 */
public final class TcpProxy implements AutoCloseable {
    private final String targetHost;
    private final int targetPort;
    private final int port;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Set<Socket> frozen = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket listener;

    public TcpProxy(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        ServerSocket first = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.port = first.getLocalPort();
        accept(first);
    }

    public int port() {
        return port;
    }

    /** Refuses new connections and breaks the open ones. */
    public synchronized void cut() throws IOException {
        if (listener != null) {
            listener.close();
            listener = null;
        }
        for (Socket socket : open) {
            socket.close();
        }
        open.clear();
    }

    /** The connections open now keep their sockets but carry no more bytes; new connections work. */
    public void freeze() {
        frozen.addAll(open);
    }

    /** Accepts connections again, on the same port. */
    public synchronized void reconnect() throws IOException {
        if (listener == null) {
            ServerSocket socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            accept(socket);
        }
    }

    private void accept(ServerSocket socket) {
        listener = socket;
        Thread.ofVirtual().start(() -> {
            while (!socket.isClosed()) {
                try {
                    Socket client = socket.accept();
                    Socket server = new Socket(targetHost, targetPort);
                    open.add(client);
                    open.add(server);
                    pipe(client, server);
                    pipe(server, client);
                } catch (IOException e) {
                    // listener closed by cut() or close()
                }
            }
        });
    }

    private void pipe(Socket from, Socket to) {
        Thread.ofVirtual().start(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                byte[] buffer = new byte[16384];
                for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                    while (frozen.contains(from) && !from.isClosed()) {
                        Thread.sleep(10);
                    }
                    out.write(buffer, 0, read);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // connection broken
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException e) {
                    // already closed
                }
                open.remove(from);
                open.remove(to);
                frozen.remove(from);
                frozen.remove(to);
            }
        });
    }

    @Override
    public void close() throws IOException {
        cut();
    }
}
