package dev.pitr.drill;

import dev.pitr.verify.CheckResult;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The JUnit report parses whatever a check's SQL or a server's error holds, and counts what failed. */
class DrillReportsTest {
    @Test
    void theJunitReportEscapesHostileTextAndCountsFailures() throws Exception {
        String sql = "SELECT count(*) < 10 AND note <> 'a&b \"q\"' FROM t -- <!-- ]]>";
        DrillReport r = new DrillReport("shop <eu>", "prod", "s3://b/r?x=1&y=2", "20261205T000000Z", "time 2026-12-05",
                false, 3, "boom", 12.5, List.of(new DrillReport.Step("FETCH_BACKUP", 1.25, "done"),
                        new DrillReport.Step("VERIFY", 0.5, "failed: \u0007bell & <tag>")),
                List.of(new CheckResult(sql, false, "f", "t", 0.01), new CheckResult("rows", true, "5", "5", 0.02)),
                1.0, 2.0, Instant.parse("2026-12-05T00:00:00Z"), Instant.parse("2026-12-05T00:00:13Z"));
        String xml = DrillReports.junit(r);
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        Element suite = (Element) doc.getElementsByTagName("testsuite").item(0);
        assertThat(suite.getAttribute("name")).isEqualTo("pitr-drill.shop <eu>");
        assertThat(suite.getAttribute("tests")).isEqualTo("4");
        assertThat(suite.getAttribute("failures")).isEqualTo("2");
        assertThat(suite.getAttribute("time")).isEqualTo("12.500");
        assertThat(((Element) doc.getElementsByTagName("testcase").item(2)).getAttribute("name")).isEqualTo(sql);
        assertThat(doc.getElementsByTagName("failure").item(0).getTextContent()).isEqualTo("failed: bell & <tag>");
        assertThat(((Element) doc.getElementsByTagName("property").item(2)).getAttribute("value")).isEqualTo("s3://b/r?x=1&y=2");
    }

    @Test
    void aRestoreThatFailedBeforeAnyStepIsOnePlanCase() throws Exception {
        DrillReport r = new DrillReport("shop", "prod", "s3://b/r", null, "time x", false, 2, "no backup", 0.1, List.of(),
                List.of(), null, null, Instant.now(), Instant.now());
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(DrillReports.junit(r).getBytes(StandardCharsets.UTF_8)));
        assertThat(doc.getElementsByTagName("testcase").getLength()).isEqualTo(1);
        assertThat(((Element) doc.getElementsByTagName("testcase").item(0)).getAttribute("name")).isEqualTo("plan");
        assertThat(doc.getElementsByTagName("failure").item(0).getTextContent()).isEqualTo("no backup");
    }
}
