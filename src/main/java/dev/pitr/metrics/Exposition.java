package dev.pitr.metrics;

import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Gauges in Prometheus's text format, written by the Prometheus client's own writer (escaping, ordering and the
 * HELP/TYPE lines are its business), for node_exporter's textfile collector or a Pushgateway. Every series carries
 * the same labels (which cluster, which repository); one gauge may add one label of its own (a drill's step).
 */
public final class Exposition {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final List<String> labelNames;
    private final List<String> labelValues;
    private final Map<String, Double> values = new LinkedHashMap<>();

    /** {@code labels}: the labels of every series, by name, in order. */
    public Exposition(Map<String, String> labels) {
        this.labelNames = List.copyOf(labels.keySet());
        this.labelValues = List.copyOf(labels.values());
    }

    /** One gauge with the common labels. */
    public Exposition gauge(String name, String help, double value) {
        Gauge.builder().name(name).help(help).labelNames(labelNames.toArray(String[]::new)).register(registry)
                .labelValues(labelValues.toArray(String[]::new)).set(value);
        values.put(name, value);
        return this;
    }

    /** One gauge with a series per key of {@code byLabel}, the key the value of label {@code label}. */
    public Exposition gauge(String name, String help, String label, Map<String, Double> byLabel) {
        List<String> names = new ArrayList<>(labelNames);
        names.add(label);
        Gauge g = Gauge.builder().name(name).help(help).labelNames(names.toArray(String[]::new)).register(registry);
        byLabel.forEach((key, value) -> {
            List<String> v = new ArrayList<>(labelValues);
            v.add(key);
            g.labelValues(v.toArray(String[]::new)).set(value);
            values.put(name + "{" + label + "=" + key + "}", value);
        });
        return this;
    }

    /** The text format, as node_exporter's textfile collector reads it. */
    public String text() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Every value by its name (a labelled series as name{label=key}), for --json. */
    public Map<String, Double> values() {
        return Map.copyOf(values);
    }
}
