package dev.pitr.testkit;

import dev.pitr.core.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local syslog daemon for tests: listens on {@code /dev/log} (glibc's syslog(3) falls back to a stream
 * socket, NUL-delimited) and keeps what PostgreSQL's {@code log_destination = syslog} sent, with the time it
 * arrived. It writes the messages in the formats real receivers use: rsyslog's traditional file format,
 * journalctl -o short-iso, and journalctl -o json.
 */
public final class SyslogReceiver implements AutoCloseable {
    /** One message as it arrived: glibc's {@code <PRI>Mmm dd hh:mm:ss ident[pid]: text}. */
    public record Message(Instant receivedAt, String raw) {
    }

    private static final Path SOCKET = Path.of("/dev/log");
    private static final Pattern GLIBC = Pattern.compile("^<\\d+>(\\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d) ([^\\[:]+)\\[(\\d+)\\]: (.*)$",
            Pattern.DOTALL);

    private final ServerSocketChannel server;
    private final List<Message> messages = new ArrayList<>();
    private final Thread acceptor;

    private SyslogReceiver(ServerSocketChannel server) {
        this.server = server;
        this.acceptor = new Thread(this::accept, "syslog-receiver");
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    /** Whether this machine has no syslog daemon of its own on /dev/log (the receiver then takes its place). */
    public static boolean available() {
        if (!Files.exists(SOCKET)) {
            return true;
        }
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(SOCKET))) {
            return false; // a daemon answers there
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("Connection refused")) {
                return false; // a datagram daemon (rsyslog, journald) owns it: never touch it
            }
            try { // a stream socket nobody listens on: left by a killed test run, take its place
                Files.deleteIfExists(SOCKET);
                return true;
            } catch (IOException gone) {
                return false;
            }
        }
    }

    public static SyslogReceiver start() throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(SOCKET));
        Files.setPosixFilePermissions(SOCKET, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        return new SyslogReceiver(s);
    }

    private void accept() {
        while (server.isOpen()) {
            try {
                SocketChannel c = server.accept();
                Thread t = new Thread(() -> read(c), "syslog-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void read(SocketChannel c) {
        ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        ByteArrayOutputStream current = new ByteArrayOutputStream();
        try (c) {
            while (c.read(buf) >= 0) {
                buf.flip();
                while (buf.hasRemaining()) {
                    byte b = buf.get();
                    if (b == 0) {
                        add(current.toString(StandardCharsets.UTF_8));
                        current.reset();
                    } else {
                        current.write(b);
                    }
                }
                buf.clear();
            }
        } catch (IOException e) {
            // the sender went away
        }
        if (current.size() > 0) {
            add(current.toString(StandardCharsets.UTF_8));
        }
    }

    private synchronized void add(String raw) {
        messages.add(new Message(Instant.now(), raw));
    }

    public synchronized List<Message> messages() {
        return List.copyOf(messages);
    }

    /** rsyslog's RSYSLOG_TraditionalFileFormat: the host name goes in after the time, control chars as #ooo. */
    public void writeTraditional(Path file, String host) throws IOException {
        List<String> lines = new ArrayList<>();
        for (Message m : messages()) {
            Matcher g = GLIBC.matcher(m.raw());
            if (g.matches()) {
                lines.add(g.group(1) + " " + host + " " + g.group(2) + "[" + g.group(3) + "]: " + escape(g.group(4)));
            }
        }
        Files.write(file, lines);
    }

    /** journalctl -o short-iso: the receipt time with its offset, host, identifier[pid]. */
    public void writeShortIso(Path file, String host) throws IOException {
        List<String> lines = new ArrayList<>();
        var fmt = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxx").withZone(java.time.ZoneOffset.UTC);
        for (Message m : messages()) {
            Matcher g = GLIBC.matcher(m.raw());
            if (g.matches()) {
                lines.add(fmt.format(m.receivedAt()) + " " + host + " " + g.group(2) + "[" + g.group(3) + "]: "
                        + escape(g.group(4)));
            }
        }
        Files.write(file, lines);
    }

    /** journalctl -o json: one object per message, the receipt time in microseconds. */
    public void writeJournalJson(Path file, String host) throws IOException {
        List<String> lines = new ArrayList<>();
        for (Message m : messages()) {
            Matcher g = GLIBC.matcher(m.raw());
            if (g.matches()) {
                long micros = m.receivedAt().getEpochSecond() * 1_000_000 + m.receivedAt().getNano() / 1000;
                lines.add(Json.mapper().writer().without(
                        com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsString(
                        java.util.Map.of("__REALTIME_TIMESTAMP", Long.toString(micros), "_HOSTNAME", host,
                                "SYSLOG_IDENTIFIER", g.group(2), "_PID", g.group(3), "MESSAGE", g.group(4))));
            }
        }
        Files.write(file, lines);
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            sb.append(c < 0x20 ? String.format("#%03o", (int) c) : String.valueOf(c));
        }
        return sb.toString();
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(SOCKET);
    }
}
