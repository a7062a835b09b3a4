package dev.pitr.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fault-injecting HTTP/1.1 proxy on 127.0.0.1 in front of an S3 server: for each request, a {@link Plan}
 * decides whether it passes or fails with a 500, a 503 SlowDown, a connection reset (before the response or
 * in the middle of its body), a stall, or a response body cut short. One request per connection keeps the
 * framing simple; the SDK opens a new connection per request through it.
 */
public final class FaultProxy implements AutoCloseable {
    public enum Fault { NONE, ERROR_500, SLOW_DOWN_503, RESET_BEFORE_RESPONSE, RESET_MID_BODY, TRUNCATE_BODY, STALL }

    /** One request as the plan sees it: its method, path and its number (1-based) through this proxy. */
    public record Request(String method, String path, int number) {
    }

    public interface Plan {
        Fault faultFor(Request request);

        /** Every {@code n}th request fails with {@code fault} (intermittent). */
        static Plan everyNth(int n, Fault fault) {
            return r -> r.number() % n == 0 ? fault : Fault.NONE;
        }

        /** Cycles through the faults on every other request. */
        static Plan rotating(Fault... faults) {
            return r -> r.number() % 2 == 0 ? faults[(r.number() / 2) % faults.length] : Fault.NONE;
        }

        static Plan always(Fault fault) {
            return r -> fault;
        }
    }

    private final URI upstream;
    private final ServerSocket server;
    private final AtomicInteger requests = new AtomicInteger();
    private final List<String> injected = new CopyOnWriteArrayList<>();
    private volatile Plan plan;
    private volatile long stallMillis = 2_000;

    public FaultProxy(URI upstream, Plan plan) throws IOException {
        this.upstream = upstream;
        this.plan = plan;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "fault-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    public void plan(Plan plan) {
        this.plan = plan;
    }

    public void stallMillis(long millis) {
        this.stallMillis = millis;
    }

    private final List<List<String>> heads = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** The requests that carried header {@code name}, as "METHOD PATH: value". */
    public List<String> requestsWithHeader(String name) {
        List<String> out = new ArrayList<>();
        for (List<String> lines : heads) {
            String[] requestLine = lines.get(0).split(" ");
            header(lines, name).ifPresent(v -> out.add(requestLine[0] + " " + requestLine[1] + ": " + v));
        }
        return out;
    }

    /** The faults injected so far, as "FAULT METHOD PATH". */
    public List<String> injected() {
        return List.copyOf(injected);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Thread t = new Thread(() -> serve(client), "fault-proxy-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            String head = readHead(in);
            if (head == null) {
                return;
            }
            List<String> lines = new ArrayList<>(List.of(head.split("\r\n")));
            heads.add(List.copyOf(lines));
            String[] requestLine = lines.get(0).split(" ");
            Request request = new Request(requestLine[0], requestLine[1], requests.incrementAndGet());
            if (header(lines, "expect").filter(v -> v.equalsIgnoreCase("100-continue")).isPresent()) {
                out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                lines.removeIf(l -> l.toLowerCase(Locale.ROOT).startsWith("expect:"));
            }
            byte[] body = readBody(in, lines);
            Fault fault = plan.faultFor(request);
            if (fault != Fault.NONE) {
                injected.add(fault + " " + request.method() + " " + request.path());
            }
            switch (fault) {
                case ERROR_500 -> { respondError(out, 500, "InternalError"); return; }
                case SLOW_DOWN_503 -> { respondError(out, 503, "SlowDown"); return; }
                case RESET_BEFORE_RESPONSE -> { reset(client); return; }
                case STALL -> sleep(stallMillis);
                default -> { }
            }
            byte[] response = forward(lines, body);
            int split = indexOf(response, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII)) + 4;
            int bodyLength = response.length - split;
            if ((fault == Fault.RESET_MID_BODY || fault == Fault.TRUNCATE_BODY) && bodyLength > 1) {
                out.write(response, 0, split + bodyLength / 2);
                out.flush();
                if (fault == Fault.RESET_MID_BODY) {
                    reset(client);
                }
                return; // TRUNCATE_BODY: an orderly close, short of the announced Content-Length
            }
            out.write(response);
            out.flush();
        } catch (IOException e) {
            // the client went away; nothing to do
        }
    }

    private byte[] forward(List<String> lines, byte[] body) throws IOException {
        try (Socket up = new Socket(upstream.getHost(), upstream.getPort())) {
            StringBuilder head = new StringBuilder();
            for (String line : lines) {
                if (!line.toLowerCase(Locale.ROOT).startsWith("connection:")) {
                    head.append(line).append("\r\n");
                }
            }
            head.append("Connection: close\r\n\r\n");
            OutputStream out = up.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            byte[] response = up.getInputStream().readAllBytes();
            return addConnectionClose(response);
        }
    }

    /** The client must not reuse this connection: say so in the response head. */
    private static byte[] addConnectionClose(byte[] response) {
        int end = indexOf(response, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        if (end < 0) {
            return response;
        }
        String head = new String(response, 0, end, StandardCharsets.ISO_8859_1);
        if (head.toLowerCase(Locale.ROOT).contains("\r\nconnection:")) {
            return response;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(response.length + 20);
        out.writeBytes((head + "\r\nConnection: close").getBytes(StandardCharsets.ISO_8859_1));
        out.write(response, end, response.length - end);
        return out.toByteArray();
    }

    private static void respondError(OutputStream out, int status, String code) throws IOException {
        byte[] xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>injected "
                + code + "</Message></Error>").getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 " + status + " " + code + "\r\nContent-Type: application/xml\r\nContent-Length: "
                + xml.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(xml);
        out.flush();
    }

    private static void reset(Socket socket) throws IOException {
        socket.setSoLinger(true, 0); // close with RST, as a dying load balancer does
        socket.close();
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        int c;
        while ((c = in.read()) >= 0) {
            head.write(c);
            state = (c == '\r' && (state == 0 || state == 2)) ? state + 1 : (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
            if (state == 4) {
                String s = head.toString(StandardCharsets.ISO_8859_1);
                return s.substring(0, s.length() - 4);
            }
        }
        return null;
    }

    private static byte[] readBody(InputStream in, List<String> lines) throws IOException {
        if (header(lines, "transfer-encoding").filter(v -> v.equalsIgnoreCase("chunked")).isPresent()) {
            ByteArrayOutputStream raw = new ByteArrayOutputStream(); // forwarded as it came: chunked
            while (true) {
                String sizeLine = readLine(in);
                raw.writeBytes((sizeLine + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
                if (size == 0) {
                    String trailer;
                    while (!(trailer = readLine(in)).isEmpty()) {
                        raw.writeBytes((trailer + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    }
                    raw.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    return raw.toByteArray();
                }
                raw.write(in.readNBytes(size + 2));
            }
        }
        long length = header(lines, "content-length").map(Long::parseLong).orElse(0L);
        return in.readNBytes((int) length);
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    private static java.util.Optional<String> header(List<String> lines, String name) {
        return lines.stream().skip(1).filter(l -> l.toLowerCase(Locale.ROOT).startsWith(name + ":"))
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst();
    }

    private static int indexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i <= data.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
