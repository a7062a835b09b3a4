package dev.pitr.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pitr.backup.BackupCatalog;
import dev.pitr.backup.BackupMetadata;
import dev.pitr.backup.BackupService;
import dev.pitr.backup.BackupVerifier;
import dev.pitr.core.Json;
import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;
import dev.pitr.source.BackupSource;
import dev.pitr.source.SourceCatalog;
import dev.pitr.source.Sources;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.List;

@Command(name = "backup", description = "Base backups: create, list, show, verify.", mixinStandardHelpOptions = true)
final class BackupCommand {
    /** Registered by {@link PitrCommand#register}: picocli builds the model only of the one a run names. */
    static final List<Class<?>> SUBCOMMANDS = List.of(Create.class, ListBackups.class, Show.class, Verify.class);

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Take a base backup with pg_basebackup, compressed (zstd) into the repository.")
    static final class Create extends BaseCommand {
        @Override
        boolean writesRepository() {
            return true;
        }

        @Option(names = "--label", description = "backup label (default: pitr <id>)")
        String label;

        @Option(names = "--archive-wait", paramLabel = "SECONDS", defaultValue = "120",
                description = "how long to wait for the backup's last WAL segment to be archived (default ${DEFAULT-VALUE})")
        long archiveWait;

        @Option(names = "--part-size", paramLabel = "MIB", defaultValue = "128",
                description = "cut the backup into another stored object at the first file boundary past this size,"
                        + " so a restore extracts the parts side by side (default ${DEFAULT-VALUE}; when pitr"
                        + " compresses, see --compress-at)")
        long partSizeMib;

        @Option(names = "--compress-at", paramLabel = "WHERE", defaultValue = "auto",
                description = "server: the server compresses (PostgreSQL 15+), each archive staged compressed in the"
                        + " temporary directory and stored as it is written; client: pitr compresses pg_basebackup's"
                        + " stream, nothing staged; auto (default): server where the temporary directory has room for"
                        + " the whole database, else client")
        String compressAt;

        @Override
        boolean audited() {
            return true;
        }

        @Override
        int execute(Session session) {
            if (partSizeMib < 1) {
                throw dev.pitr.core.PitrException.usage("--part-size " + partSizeMib + ": give a size of at least 1 MiB");
            }
            BackupService.CompressAt at = compressAt();
            Output out = session.output();
            BackupMetadata meta = new BackupService(session.repository(), session.binaries(),
                    session.settings().server(), line -> out.progress(line), out.progressBar("backup"))
                    .create(new BackupService.Options(label, BackupService.Compression.forProcesses(
                            session.settings().compressLevel(), session.settings().processMax()),
                            partSizeMib << 20, Duration.ofSeconds(archiveWait), at));
            if (out.json()) {
                out.printJson(meta);
            } else {
                out.println("backup " + meta.id() + " complete: " + meta.startLsn() + " .. " + meta.stopLsn()
                        + " on timeline " + meta.timeline() + ", " + Format.bytes(meta.storedBytes()) + " stored");
            }
            return 0;
        }

        private BackupService.CompressAt compressAt() {
            try {
                return BackupService.CompressAt.valueOf(compressAt.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw dev.pitr.core.PitrException.usage("--compress-at " + compressAt + ": give server, client or auto");
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List backups (incomplete and unusable ones marked, with the reason).")
    static final class ListBackups extends BaseCommand {
        @Override
        int execute(Session session) {
            if (session.settings().repo().flatMap(Sources::foreignOwner).isPresent()) {
                return listForeign(session, session.source());
            }
            List<BackupCatalog.Entry> entries = new BackupCatalog(session.repository()).list();
            Output out = session.output();
            if (out.json()) {
                out.printJson(entries.stream().map(ListBackups::asJson).toList());
                return 0;
            }
            if (entries.isEmpty()) {
                out.println("no backups in " + session.repository().url());
                return 0;
            }
            out.println(String.format("%-17s %-10s %3s %-12s %-12s %-25s %10s", "ID", "STATUS", "TL", "START LSN",
                    "STOP LSN", "STOP TIME", "STORED"));
            for (BackupCatalog.Entry e : entries) {
                if (e.metadata().isEmpty()) {
                    out.println(String.format("%-17s %-10s %s", e.id(), e.status(), e.problem().orElse("")));
                    continue;
                }
                BackupMetadata m = e.metadata().get();
                out.println(String.format("%-17s %-10s %3d %-12s %-12s %-25s %10s", m.id(), "complete", m.timeline(),
                        m.startLsn(), m.stopLsn(), m.stopTime(), Format.bytes(m.storedBytes())));
            }
            return 0;
        }

        /** Each backup with its status: a complete one's metadata, or why it is not usable. */
        private static ObjectNode asJson(BackupCatalog.Entry e) {
            ObjectNode node = e.metadata().<ObjectNode>map(m -> Json.mapper().valueToTree(m))
                    .orElseGet(() -> Json.mapper().createObjectNode().put("id", e.id()));
            node.put("status", e.status());
            e.problem().ifPresent(p -> node.put("problem", p));
            return node;
        }

        /** Another tool's backups, as it lists them (only complete ones: the tool's own list says which). */
        private static int listForeign(Session session, BackupSource source) {
            List<SourceCatalog.Backup> backups = source.catalog().backups();
            Output out = session.output();
            if (out.json()) {
                out.printJson(backups);
                return 0;
            }
            if (backups.isEmpty()) {
                out.println("no backups in " + source.location() + " (as " + source.kind().tool() + " lists them)");
                return 0;
            }
            out.println(String.format("%-24s %-6s %3s %-12s %-12s %-25s", "ID (" + source.kind().tool() + ")", "TYPE", "TL",
                    "START LSN", "STOP LSN", "STOP TIME"));
            for (SourceCatalog.Backup b : backups) {
                out.println(String.format("%-24s %-6s %3d %-12s %-12s %-25s", b.id(), b.type(), b.firstSegment().timeline(),
                        b.span().startLsn(), b.span().stopLsn(), b.span().stopTime()));
            }
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one backup's metadata.")
    static final class Show extends BaseCommand {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        int execute(Session session) {
            if (session.settings().repo().flatMap(Sources::foreignOwner).isPresent()) {
                return showForeign(session, session.source());
            }
            BackupMetadata m = new BackupCatalog(session.repository()).require(id);
            Output out = session.output();
            if (out.json()) {
                out.printJson(m);
                return 0;
            }
            out.println("backup       " + m.id() + " (" + m.label() + ")");
            out.println("cluster      system identifier " + m.systemIdentifier() + ", PostgreSQL " + m.pgVersion());
            out.println("timeline     " + m.timeline());
            out.println("start        " + m.startLsn() + " at " + m.startTime() + " (" + m.startSegment() + ")");
            out.println("stop         " + m.stopLsn() + " at " + m.stopTime() + " (" + m.stopSegment() + ")");
            out.println("database     " + Format.bytes(m.databaseSize()));
            for (BackupMetadata.BackupFile f : m.files()) {
                out.println("file         " + f.key() + " (" + f.name() + "): " + Format.bytes(f.rawBytes()) + " -> "
                        + Format.bytes(f.storedBytes()) + ", " + f.digest());
            }
            out.println("manifest     " + m.manifestKey());
            return 0;
        }

        /** Another tool's backup, as its catalog describes it in pitr's terms. */
        private int showForeign(Session session, BackupSource source) {
            SourceCatalog catalog = source.catalog();
            SourceCatalog.Backup b = catalog.backups().stream().filter(x -> x.id().equals(id)).findFirst()
                    .orElseThrow(() -> PitrException.usage("no backup '" + id + "' in " + source.location() + " (as "
                            + source.kind().tool() + " lists them): see 'pitr backup list'"));
            Output out = session.output();
            if (out.json()) {
                out.printJson(b);
                return 0;
            }
            out.println("backup       " + b.id() + " (" + b.type() + ", " + source.kind().tool() + "'s)");
            catalog.cluster().ifPresent(c -> out.println("cluster      system identifier " + c.systemIdentifier()
                    + ", PostgreSQL " + c.pgVersion()));
            out.println("timeline     " + b.timeline());
            out.println("start        " + b.span().startLsn() + " (" + b.firstSegment() + ")");
            out.println("stop         " + b.span().stopLsn() + " at " + b.span().stopTime() + " (" + b.lastSegment() + ")");
            out.println("database     " + Format.bytes(b.databaseBytes()));
            return 0;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Read every object of backups back and prove it against the metadata, without restoring.",
                    "Exit 0 when every backup checked is whole, 3 when one is damaged or missing an object."})
    static final class Verify extends BaseCommand {
        @Parameters(paramLabel = "ID", arity = "0..*", description = "the backups to check (default: every complete one)")
        List<String> ids = new java.util.ArrayList<>();

        @Option(names = "--parallel", defaultValue = "4", description = "objects read at once (default ${DEFAULT-VALUE})")
        int parallel;

        @Override
        int execute(Session session) {
            List<BackupVerifier.Result> results = new BackupVerifier(session.repository()).verify(ids, parallel);
            Output out = session.output();
            if (out.json()) {
                out.printJson(results);
            } else {
                for (BackupVerifier.Result r : results) {
                    out.println("backup " + r.backupId() + ": " + (r.whole() ? "whole" : "DAMAGED") + " (" + r.objects()
                            + " object(s), " + Format.bytes(r.storedBytes()) + " read back)");
                    r.damage().forEach(d -> out.println("  " + d.key() + ": " + d.detail()));
                }
            }
            return results.stream().allMatch(BackupVerifier.Result::whole) ? 0 : ExitCode.VERIFICATION_FAILED.code();
        }
    }
}
