package dev.pitr.drill;

import dev.pitr.core.AtomicFiles;
import dev.pitr.core.Json;
import dev.pitr.core.PitrException;
import dev.pitr.metrics.Exposition;
import dev.pitr.verify.CheckResult;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

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

    /**
     * One test case per restore step and per check; a restore that failed before any step is a "plan" case.
     * Written with the JDK's StAX writer, which escapes what a check's SQL or an error may hold.
     */
    public static String junit(DrillReport r) {
        List<JunitCase> cases = new ArrayList<>();
        if (r.steps().isEmpty() && !r.success()) {
            cases.add(new JunitCase("restore", "plan", 0, r.error()));
        }
        for (DrillReport.Step s : r.steps()) {
            cases.add(new JunitCase("restore", s.name(), s.seconds(), s.passed() ? null : s.outcome()));
        }
        for (CheckResult c : r.checks()) {
            cases.add(new JunitCase("checks", c.name(), c.seconds(),
                    c.passed() ? null : "saw " + c.seen() + ", expected " + c.expected()));
        }
        String tests = Integer.toString(cases.size());
        String failures = Long.toString(cases.stream().filter(c -> c.failure() != null).count());
        StringWriter text = new StringWriter();
        try {
            XMLStreamWriter x = XMLOutputFactory.newFactory().createXMLStreamWriter(text);
            x.writeStartDocument("UTF-8", "1.0");
            x.writeStartElement("testsuites");
            attributes(x, "name", "pitr drill", "tests", tests, "failures", failures, "time", seconds(r.rtoSeconds()));
            x.writeStartElement("testsuite");
            attributes(x, "name", "pitr-drill." + r.cluster(), "tests", tests, "failures", failures, "errors", "0",
                    "time", seconds(r.rtoSeconds()), "timestamp", String.valueOf(r.startedAt()));
            x.writeStartElement("properties");
            for (String[] p : new String[][]{{"backup", r.backupId()}, {"target", r.target()},
                    {"repository", r.repository()}, {"environment", r.environment()}}) {
                x.writeEmptyElement("property");
                attributes(x, "name", p[0], "value", xmlSafe(p[1]));
            }
            x.writeEndElement();
            for (JunitCase c : cases) {
                if (c.failure() == null) {
                    x.writeEmptyElement("testcase");
                    attributes(x, "classname", c.classname(), "name", xmlSafe(c.name()), "time", seconds(c.seconds()));
                } else {
                    x.writeStartElement("testcase");
                    attributes(x, "classname", c.classname(), "name", xmlSafe(c.name()), "time", seconds(c.seconds()));
                    x.writeStartElement("failure");
                    x.writeAttribute("message", xmlSafe(c.failure()));
                    x.writeCharacters(xmlSafe(c.failure()));
                    x.writeEndElement();
                    x.writeEndElement();
                }
            }
            x.writeEndElement();
            x.writeEndElement();
            x.writeEndDocument();
            x.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("cannot render the JUnit report", e);
        }
        return text + "\n";
    }

    /** A JUnit test case; {@code failure} is null when it passed. */
    private record JunitCase(String classname, String name, double seconds, String failure) {
    }

    private static void attributes(XMLStreamWriter x, String... namesAndValues) throws XMLStreamException {
        for (int i = 0; i < namesAndValues.length; i += 2) {
            x.writeAttribute(namesAndValues[i], namesAndValues[i + 1]);
        }
    }

    public static void writeJunit(DrillReport r, Path file) {
        write(file, junit(r));
    }

    /** For node_exporter's textfile collector, in the Prometheus client's own text format. */
    public static String prometheus(DrillReport r) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("cluster", r.cluster());
        labels.put("environment", r.environment());
        Exposition e = new Exposition(labels)
                .gauge("pitr_drill_success", "1 if the last drill restored and passed every check", r.success() ? 1 : 0)
                .gauge("pitr_drill_rto_seconds", "wall time of the last drill's restore, start to verified", r.rtoSeconds());
        Map<String, Double> steps = new LinkedHashMap<>();
        r.steps().forEach(s -> steps.put(s.name(), s.seconds()));
        e.gauge("pitr_drill_step_seconds", "wall time per restore step of the last drill", "step", steps)
                .gauge("pitr_drill_checks_failed", "checks that failed in the last drill",
                        r.checks().stream().filter(c -> !c.passed()).count());
        if (r.rpoWalAgeSeconds() != null) {
            e.gauge("pitr_drill_rpo_wal_age_seconds", "age of the newest archived WAL at drill time", r.rpoWalAgeSeconds());
        }
        if (r.rpoBackupAgeSeconds() != null) {
            e.gauge("pitr_drill_rpo_backup_age_seconds", "age of the newest complete backup at drill time",
                    r.rpoBackupAgeSeconds());
        }
        return e.gauge("pitr_drill_last_run_timestamp_seconds", "when the last drill finished",
                r.finishedAt().getEpochSecond()).text();
    }

    public static void writePrometheus(DrillReport r, Path file) {
        write(file, prometheus(r));
    }

    private static String seconds(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    /** XML 1.0 has no place for control characters other than tab and newline (a server's message may hold some). */
    static String xmlSafe(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(s.length());
        s.chars().filter(c -> c >= 0x20 || c == '\n' || c == '\t').forEach(c -> sb.append((char) c));
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
