package dev.pitr.core;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;

/**
 * The one JSON mapper: journal, metadata and --json output share the same conventions: snake_case keys, times
 * as RFC 3339 text, paths as the path (not Jackson's default {@code file:///…} URI).
 */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE) // one style for every output and record
            .registerModule(new JavaTimeModule())
            .registerModule(new Jdk8Module())
            .registerModule(new SimpleModule("pitr-paths")
                    .addSerializer(Path.class, ToStringSerializer.instance)
                    .addDeserializer(Path.class, new PathDeserializer()))
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Json() {
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /**
     * The version of the --json documents' shape: raised when a field is removed, renamed or changes meaning (never
     * for an added field), so a script can check the one it was written for.
     */
    public static final int SCHEMA_VERSION = 1;

    /** {@code value} as a document to print: an object leads with {@code schema_version}; anything else as it is. */
    public static JsonNode versioned(Object value) {
        JsonNode tree = MAPPER.valueToTree(value);
        if (!(tree instanceof ObjectNode fields) || fields.has("schema_version")) {
            return tree;
        }
        ObjectNode doc = MAPPER.createObjectNode().put("schema_version", SCHEMA_VERSION);
        doc.setAll(fields);
        return doc;
    }

    /** A path as written now, or as a {@code file:} URI (what records written before this style hold). */
    private static final class PathDeserializer extends StdScalarDeserializer<Path> {
        PathDeserializer() {
            super(Path.class);
        }

        @Override
        public Path deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
            String text = p.getValueAsString();
            return text.startsWith("file:") ? Path.of(URI.create(text)) : Path.of(text);
        }
    }
}
