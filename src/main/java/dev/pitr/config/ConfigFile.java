package dev.pitr.config;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Map;

/** pitr.yaml as written: named clusters, one of them the default. */
public record ConfigFile(@JsonProperty("default-cluster") String defaultCluster,
                         @JsonProperty("clusters") Map<String, ClusterConfig> clusters) {
    public Map<String, ClusterConfig> clustersOrEmpty() {
        return clusters == null ? Map.of() : clusters;
    }
}
