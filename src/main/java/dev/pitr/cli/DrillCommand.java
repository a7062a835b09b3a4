package dev.pitr.cli;

import dev.pitr.drill.DrillReport;
import dev.pitr.drill.DrillReports;
import dev.pitr.drill.DrillService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;

@Command(name = "drill", mixinStandardHelpOptions = true,
        description = {"Restore into a scratch directory, verify, measure RTO/RPO, report (JSON, JUnit, Prometheus).",
                "Unattended: never prompts; exit 0 only when the restore and every check passed."})
final class DrillCommand extends BaseCommand {
    @Option(names = "--backup", defaultValue = "latest", description = "latest, random or a backup ID (default ${DEFAULT-VALUE})")
    String backup;

    @Option(names = "--target", defaultValue = "latest", description = "latest, random or a time (default ${DEFAULT-VALUE})")
    String target;

    @Option(names = "--scratch", required = true, paramLabel = "DIR", description = "scratch directory (a fresh subdirectory is used)")
    Path scratch;

    @picocli.CommandLine.Mixin
    CheckOptions checkOptions;

    @Option(names = "--report-json", paramLabel = "FILE") Path reportJson;
    @Option(names = "--report-junit", paramLabel = "FILE") Path reportJunit;
    @Option(names = "--metrics-file", paramLabel = "FILE", description = "Prometheus textfile collector output")
    Path metricsFile;

    @Option(names = "--port", paramLabel = "PORT", description = "port for the restored server (default: a free one)")
    Integer port;

    @Option(names = "--keep", description = "leave the restored copy running for inspection")
    boolean keep;

    @Override
    boolean audited() {
        return true;
    }

    @Override
    int execute(Session session) {
        var checks = checkOptions.checks(session);
        var settings = session.settings();
        DrillService service = new DrillService(session.source(), RestoreCommand.steps(session),
                session.output()::progress, new Random());
        DrillReport report = service.run(new DrillService.Options(
                new DrillService.Choice(backup, target, ZoneId.systemDefault()),
                new DrillService.Place(session.resolve(scratch), Optional.ofNullable(port)),
                new DrillService.Verification(checks, checkOptions.database(session)),
                new DrillService.Labels(settings.clusterName().orElse("default"), settings.environment()), keep));
        if (reportJson != null) {
            DrillReports.writeJson(report, session.resolve(reportJson));
        }
        if (reportJunit != null) {
            DrillReports.writeJunit(report, session.resolve(reportJunit));
        }
        if (metricsFile != null) {
            DrillReports.writePrometheus(report, session.resolve(metricsFile));
        }
        Output out = session.output();
        if (out.json()) {
            out.printJson(report);
        } else {
            out.println("drill " + (report.success() ? "PASSED" : "FAILED") + ": backup " + report.backupId() + " to "
                    + report.target() + ", RTO " + String.format(Locale.ROOT, "%.1f s", report.rtoSeconds())
                    + (report.rpoWalAgeSeconds() == null ? "" : String.format(Locale.ROOT, ", newest WAL %.0f s old", report.rpoWalAgeSeconds()))
                    + (report.error() == null ? "" : " -- " + report.error()));
            report.steps().forEach(s -> out.println(String.format(Locale.ROOT, "  %-13s %7.2f s  %s", s.name(), s.seconds(), s.outcome())));
            report.checks().forEach(c -> out.println("  check " + c.line()));
        }
        return report.exitCode();
    }
}
