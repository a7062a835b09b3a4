package dev.pitr.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pitr.core.Json;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Every {@code --json} document the tests read goes through here: it must parse, an object must carry
 * {@code schema_version}, and no key may be camelCase
 * (one style, snake_case, for every output). Keys that are data (a table's name in a map) are not identifiers
 * of pitr's and are rarely camelCase; one that is would show up here and be looked at.
 */
public final class JsonStyle {
    private static final Pattern CAMEL = Pattern.compile("[a-z][a-z0-9]*[A-Z][A-Za-z0-9]*");

    private JsonStyle() {
    }

    public static void check(String command, String stdout) {
        if (stdout.isBlank()) {
            return;
        }
        JsonNode doc;
        try {
            doc = Json.mapper().readTree(stdout);
        } catch (IOException e) {
            throw new AssertionError("'pitr " + command + "' printed no JSON document on stdout: " + e.getMessage()
                    + "\n" + stdout);
        }
        if (doc.isObject() && doc.path("schema_version").asInt() != Json.SCHEMA_VERSION) {
            throw new AssertionError("'pitr " + command + "' printed an object without \"schema_version\": "
                    + Json.SCHEMA_VERSION + "\n" + stdout);
        }
        List<String> camel = new ArrayList<>();
        collect(doc, "", camel);
        if (!camel.isEmpty()) {
            throw new AssertionError("'pitr " + command + "' printed camelCase keys " + camel);
        }
    }

    private static void collect(JsonNode node, String path, List<String> out) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (CAMEL.matcher(field.getKey()).matches()) {
                    out.add(path + "/" + field.getKey());
                }
                collect(field.getValue(), path + "/" + field.getKey(), out);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                collect(node.get(i), path + "[" + i + "]", out);
            }
        }
    }
}
