package dev.pitr.cli;

import dev.pitr.core.PitrException;
import dev.pitr.backup.ArchiveVerifier;
import dev.pitr.core.ExitCode;
import dev.pitr.source.CatalogVerifier;
import dev.pitr.source.Sources;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Is the archive whole? Gaps, missing history files, damaged objects.",
                "Exit 0 when whole, 3 when anything a restore needs is missing or damaged."})
final class WalVerifyCommand extends BaseCommand {
    @Option(names = "--deep", description = "download every WAL object and re-check its SHA-256")
    boolean deep;

    @Option(names = "--parallel", defaultValue = "8", description = "downloads at once with --deep (default ${DEFAULT-VALUE})")
    int parallel;

    /**
     * Whole is about what was archived; the primary's current segment is not archived until it is switched:
     * say so when the server answers, since a mistake made just now lives there.
     */
    private static java.util.Optional<String> unarchived(Session session) {
        try {
            var server = session.settings().server();
            String current = server.queryOne("SELECT pg_walfile_name(pg_current_wal_lsn())").orElse("");
            String last = server.queryOne("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver").orElse("");
            String timeout = server.queryOne("SHOW archive_timeout").orElse("?");
            return java.util.Optional.of("the primary is writing " + current + " (last archived: "
                    + (last.isEmpty() ? "none" : last) + ", archive_timeout " + timeout + "): WAL written since is not in"
                    + " the archive yet; for a mistake made just now run SELECT pg_switch_wal() on the primary");
        } catch (PitrException unreachable) {
            return java.util.Optional.empty();
        }
    }

    @Override
    int execute(Session session) {
        boolean foreign = session.settings().repo().flatMap(Sources::foreignOwner).isPresent();
        if (foreign && deep) {
            throw PitrException.usage("--deep re-reads pitr's own objects; another tool's repository is checked by"
                    + " that tool (pgbackrest verify, barman-cloud-check-wal-archive): run 'wal verify' without --deep");
        }
        ArchiveVerifier.Report report = foreign ? CatalogVerifier.verify(session.source().catalog())
                : new ArchiveVerifier(session.repository()).verify(deep, parallel);
        Output out = session.output();
        if (out.json()) {
            out.printJson(report);
        } else {
            report.timelineSwitches().forEach(s -> out.println("switch: " + s));
            report.problems().forEach(p -> out.println((p.blocking() ? "PROBLEM " : "note    ") + p.kind() + " "
                    + p.object() + ": " + p.detail()));
            if (deep) {
                out.println(report.segmentsChecked() + " objects re-hashed");
            }
            out.println(report.whole() ? "archive is whole" : "archive is NOT whole: some restores will fail");
            unarchived(session).ifPresent(out::println);
        }
        return report.whole() ? 0 : ExitCode.VERIFICATION_FAILED.code();
    }
}
