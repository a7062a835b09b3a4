package dev.pitr.drill;

import dev.pitr.core.AtomicFiles;
import dev.pitr.core.Json;
import dev.pitr.core.PitrException;
import dev.pitr.verify.CheckResult;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/** The three report formats a drill writes: JSON, JUnit XML (CI shows it natively), Prometheus textfile. */
public final class DrillReports {
    private DrillReports() {
    }

    public static void writeJson(DrillReport r, Path file) {
        try {
            write(file, new String(Json.mapper().writeValueAsBytes(r), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw PitrException.io("cannot render the drill report: " + e.getMessage(), e);
        }
    }

    /** One test case per restore step and per check; a restore that failed before any step is a "plan" case. */
    public static String junit(DrillReport r) {
        StringBuilder cases = new StringBuilder();
        int tests = 0;
        int failures = 0;
        if (r.steps().isEmpty() && !r.success()) {
            tests++;
            failures++;
            cases.append(testCase("restore", "plan", 0, r.error()));
        }
        for (DrillReport.Step s : r.steps()) {
            tests++;
            String failure = s.passed() ? null : s.outcome();
            if (failure != null) {
                failures++;
            }
            cases.append(testCase("restore", s.name(), s.seconds(), failure));
        }
        for (CheckResult c : r.checks()) {
            tests++;
            String failure = c.passed() ? null : "saw " + c.seen() + ", expected " + c.expected();
            if (failure != null) {
                failures++;
            }
            cases.append(testCase("checks", c.name(), c.seconds(), failure));
        }
        String suite = "pitr-drill." + r.cluster();
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<testsuites name=\"pitr drill\" tests=\"" + tests + "\" failures=\"" + failures + "\" time=\""
                + seconds(r.rtoSeconds()) + "\">\n"
                + "  <testsuite name=\"" + xml(suite) + "\" tests=\"" + tests + "\" failures=\"" + failures
                + "\" errors=\"0\" time=\"" + seconds(r.rtoSeconds()) + "\" timestamp=\"" + r.startedAt() + "\">\n"
                + "    <properties>\n"
                + property("backup", r.backupId()) + property("target", r.target()) + property("repository", r.repository())
                + property("environment", r.environment())
                + "    </properties>\n"
                + cases
                + "  </testsuite>\n</testsuites>\n";
    }

    public static void writeJunit(DrillReport r, Path file) {
        write(file, junit(r));
    }

    /** For node_exporter's textfile collector. */
    public static String prometheus(DrillReport r) {
        String l = "{cluster=\"" + label(r.cluster()) + "\",environment=\"" + label(r.environment()) + "\"}";
        StringBuilder sb = new StringBuilder();
        metric(sb, "pitr_drill_success", "1 if the last drill restored and passed every check", l, r.success() ? 1 : 0);
        metric(sb, "pitr_drill_rto_seconds", "wall time of the last drill's restore, start to verified", l, r.rtoSeconds());
        sb.append("# HELP pitr_drill_step_seconds wall time per restore step of the last drill\n")
                .append("# TYPE pitr_drill_step_seconds gauge\n");
        for (DrillReport.Step s : r.steps()) {
            sb.append("pitr_drill_step_seconds").append(l, 0, l.length() - 1).append(",step=\"").append(s.name())
                    .append("\"} ").append(seconds(s.seconds())).append('\n');
        }
        metric(sb, "pitr_drill_checks_failed", "checks that failed in the last drill", l,
                r.checks().stream().filter(c -> !c.passed()).count());
        if (r.rpoWalAgeSeconds() != null) {
            metric(sb, "pitr_drill_rpo_wal_age_seconds", "age of the newest archived WAL at drill time", l, r.rpoWalAgeSeconds());
        }
        if (r.rpoBackupAgeSeconds() != null) {
            metric(sb, "pitr_drill_rpo_backup_age_seconds", "age of the newest complete backup at drill time", l,
                    r.rpoBackupAgeSeconds());
        }
        metric(sb, "pitr_drill_last_run_timestamp_seconds", "when the last drill finished", l,
                r.finishedAt().getEpochSecond());
        return sb.toString();
    }

    public static void writePrometheus(DrillReport r, Path file) {
        write(file, prometheus(r));
    }

    private static void metric(StringBuilder sb, String name, String help, String labels, double value) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" gauge\n")
                .append(name).append(labels).append(' ').append(seconds(value)).append('\n');
    }

    private static String testCase(String cls, String name, double time, String failure) {
        String open = "    <testcase classname=\"" + xml(cls) + "\" name=\"" + xml(name) + "\" time=\"" + seconds(time) + "\"";
        if (failure == null) {
            return open + "/>\n";
        }
        return open + ">\n      <failure message=\"" + xml(failure) + "\">" + xml(failure) + "</failure>\n    </testcase>\n";
    }

    private static String property(String name, String value) {
        return "      <property name=\"" + xml(name) + "\" value=\"" + xml(value == null ? "" : value) + "\"/>\n";
    }

    private static String seconds(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String label(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ");
    }

    static String xml(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&apos;");
                default -> {
                    if (c >= 0x20 || c == '\n' || c == '\t') {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }

    private static void write(Path file, String text) {
        try {
            AtomicFiles.write(file.toAbsolutePath(), text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw PitrException.io("cannot write report " + file + ": " + e.getMessage(), e);
        }
    }
}
