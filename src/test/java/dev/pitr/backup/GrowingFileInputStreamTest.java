package dev.pitr.backup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GrowingFileInputStreamTest {

    /** Appends {@code chunks} random chunks with pauses longer than the reader's poll, then says it is done. */
    private static CompletableFuture<byte[]> writeSlowly(Path file, int chunks, AtomicBoolean done, boolean fail) {
        return CompletableFuture.supplyAsync(() -> {
            Random random = new Random(11);
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            try (OutputStream out = Files.newOutputStream(file, java.nio.file.StandardOpenOption.APPEND)) {
                for (int i = 0; i < chunks; i++) {
                    byte[] chunk = new byte[1 + random.nextInt(70_000)];
                    random.nextBytes(chunk);
                    out.write(chunk);
                    out.flush();
                    all.write(chunk);
                    Thread.sleep(30);
                }
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
            if (!fail) {
                done.set(true);
            }
            return all.toByteArray();
        });
    }

    @Test
    void readsEverythingTheWriterWroteAndEndsOnlyWhenItIsDone(@TempDir Path dir) throws Exception {
        Path file = Files.createFile(dir.resolve("base.tar.zst"));
        AtomicBoolean done = new AtomicBoolean();
        CompletableFuture<byte[]> written = writeSlowly(file, 40, done, false);
        byte[] read;
        try (InputStream in = new GrowingFileInputStream(file, done::get)) {
            read = in.readAllBytes(); // the pauses between chunks are ends of the file for a moment, not its end
        }
        assertThat(done).isTrue();
        assertThat(read).isEqualTo(written.join());
    }

    @Test
    void aFailedWriterMakesTheReadFailInsteadOfEndingShort(@TempDir Path dir) throws Exception {
        Path file = Files.createFile(dir.resolve("base.tar.zst"));
        AtomicBoolean unused = new AtomicBoolean();
        CompletableFuture<byte[]> written = writeSlowly(file, 5, unused, true);
        try (InputStream in = new GrowingFileInputStream(file, () -> {
            if (written.isDone()) {
                throw new IOException("pg_basebackup failed (exit 1)");
            }
            return false;
        })) {
            assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class).hasMessageContaining("exit 1");
        }
        assertThat(Files.size(file)).isEqualTo(written.join().length);
    }
}
