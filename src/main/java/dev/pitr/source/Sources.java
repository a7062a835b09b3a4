package dev.pitr.source;

import dev.pitr.config.Settings;
import dev.pitr.core.PitrException;

import java.util.Optional;
import java.util.function.Supplier;

/** Opens the {@link BackupSource} a repository URL names: pitr's own, or another tool's, read through that tool. */
public final class Sources {
    private Sources() {
    }

    /** The tool that owns {@code url}, when it is not pitr. */
    public static Optional<SourceKind> foreignOwner(String url) {
        return SourceUrl.foreign(url).map(SourceUrl::kind);
    }

    /** {@code ownRepository}: opens pitr's own repository (only called for one). */
    public static BackupSource open(String url, Settings settings, Supplier<PitrSource> ownRepository) {
        SourceUrl parsed = SourceUrl.parse(url);
        if (parsed instanceof SourceUrl.PgBackRest p) {
            return new PgBackRestSource(p, settings.peers().pgbackrestConfig());
        }
        if (parsed instanceof SourceUrl.BarmanCloud b) {
            return new BarmanCloudSource(b, settings.s3());
        }
        return ownRepository.get();
    }

    /** Refuses a command that needs pitr's own repository when {@code url} is another tool's (exit 2). */
    public static void requireOwn(String url) {
        SourceUrl.foreign(url).ifPresent(f -> {
            throw PitrException.usage(f + " is " + f.kind().tool() + "'s repository: this command does not read it"
                    + " yet ('pitr info' does); nothing was read or written");
        });
    }

    /** Refuses a command that writes the repository when {@code url} is another tool's (exit 2). */
    public static void requireWritable(String url, String command) {
        SourceUrl.foreign(url).ifPresent(f -> {
            throw BackupSource.refusal(f.kind(), f.toString(), command);
        });
    }
}
