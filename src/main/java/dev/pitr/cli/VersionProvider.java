package dev.pitr.cli;

import picocli.CommandLine.IVersionProvider;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** 'pitr --version': the release and the commit it was built from (written into the jar at package time). */
final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = PitrCommand.class.getPackage().getImplementationVersion();
        return new String[]{"pitr " + (v == null ? "dev" : v) + " (commit " + commit() + ", Java "
                + Runtime.version().feature() + ")"};
    }

    private static String commit() {
        try (InputStream in = VersionProvider.class.getResourceAsStream("commit.txt")) {
            return in == null ? "unknown: not a packaged build" : new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
