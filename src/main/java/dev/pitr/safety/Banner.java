package dev.pitr.safety;

import dev.pitr.config.Settings;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one line every command that touches a cluster or repository prints first: which environment, which
 * cluster, where. Production is red and loud; the seed incident happened because two terminals looked alike.
 */
public final class Banner {
    private Banner() {
    }

    public static Map<String, Object> fields(Settings s) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("environment", s.environment());
        f.put("cluster", s.clusterName().orElse("(none)"));
        f.put("server", s.host() + ":" + s.port());
        f.put("pgdata", s.pgdata().map(Object::toString).orElse("(not set)"));
        f.put("repository", s.repo().orElse("(not set)"));
        return f;
    }

    public static String line(Settings s, boolean color) {
        Map<String, Object> f = fields(s);
        String text = (s.isProduction() ? "!! " + s.environment().toUpperCase(java.util.Locale.ROOT) + " !!"
                : "[" + s.environment() + "]") + " cluster " + f.get("cluster") + " | " + f.get("server") + " | "
                + f.get("pgdata") + " | repo " + f.get("repository");
        if (!color) {
            return text;
        }
        return (s.isProduction() ? "\u001b[1;37;41m" : "\u001b[1;32m") + text + "\u001b[0m";
    }
}
