package dev.pitr.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.pitr.drill.DrillReport;
import dev.pitr.drill.DrillReports;
import dev.pitr.wal.ArchiveSpool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gauges come out in Prometheus's text format, with hostile label values escaped by the client library; the
 * sample alert rules in runbooks/ name only gauges that pitr writes.
 */
class ExpositionTest {
    /** name{labels} value, one sample per line; # HELP and # TYPE before each family. */
    private static final Pattern SAMPLE = Pattern.compile("([a-z_]+)\\{((?:[a-z_]+=\"(?:[^\"\\\\]|\\\\.)*\",?)*)\\} (\\S+)");

    @Test
    void everySampleCarriesTheCommonLabelsEscapedAndEachFamilyItsHelpAndType() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("cluster", "shop \"main\" \\ eu");
        labels.put("repository", "s3://bucket/repo");
        String text = new Exposition(labels).gauge("pitr_backups_complete", "complete backups", 3)
                .gauge("pitr_step_seconds", "per step", "step", Map.of("REPLAY", 1.5, "FETCH_BACKUP", 2.25)).text();
        List<String> samples = text.lines().filter(l -> !l.startsWith("#")).toList();
        assertThat(samples).hasSize(3).allMatch(l -> SAMPLE.matcher(l).matches());
        assertThat(text).contains("# HELP pitr_backups_complete complete backups")
                .contains("# TYPE pitr_backups_complete gauge")
                .contains("cluster=\"shop \\\"main\\\" \\\\ eu\"")
                .containsPattern("pitr_step_seconds\\{[^}]*step=\"REPLAY\"\\} 1\\.5");
        assertThat(samples).anyMatch(l -> l.startsWith("pitr_backups_complete{") && l.endsWith(" 3.0"));
    }

    @Test
    void theSampleAlertRulesNameOnlyGaugesPitrWrites(@TempDir Path spool) throws Exception {
        JsonNode rules = new ObjectMapper(new YAMLFactory()).readTree(Path.of("runbooks/prometheus-alerts.yml").toFile());
        Set<String> named = new TreeSet<>();
        for (JsonNode rule : rules.get("groups").get(0).get("rules")) {
            Matcher m = Pattern.compile("pitr_[a-z_]+").matcher(rule.get("expr").asText());
            while (m.find()) {
                named.add(m.group());
            }
        }
        String drill = DrillReports.prometheus(new DrillReport("shop", "production", "s3://b/r", "20261205T000000Z",
                "time 2026-12-05T00:00:00Z", true, 0, null, 12.5, List.of(new DrillReport.Step("REPLAY", 3.5, "done")),
                List.of(), 30.0, 3600.0, Instant.now(), Instant.now()));
        Set<String> written = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^# TYPE (pitr_[a-z_]+) gauge").matcher(drill + RepositoryMetricsTest.sample(Optional.of(new ArchiveSpool(spool))).text());
        while (m.find()) {
            written.add(m.group(1));
        }
        assertThat(named).isNotEmpty();
        assertThat(written).containsAll(named);
    }
}
