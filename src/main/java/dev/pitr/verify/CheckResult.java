package dev.pitr.verify;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What a check saw. */
public record CheckResult(@JsonProperty("name") String name, @JsonProperty("passed") boolean passed,
                          @JsonProperty("seen") String seen, @JsonProperty("expected") String expected,
                          @JsonProperty("seconds") double seconds) {
    public String line() {
        return (passed ? "pass" : "FAIL") + ": " + name + " -> " + seen + (passed ? "" : " (expected " + expected + ")");
    }
}
