package dev.pitr.core;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads metadata pitr relies on (backup.json, the repository identity): a newer format version, an unknown
 * field, a missing field or a broken document is refused with a message that names it, never half-used.
 */
public final class StrictJson {
    private static final Pattern MISSING = Pattern.compile("Missing (?:creator )?property '([^']+)'");

    private StrictJson() {
    }

    public static <T> T read(byte[] bytes, Class<T> type, int supportedVersion, String what) {
        JsonNode tree;
        try {
            tree = Json.mapper().readTree(bytes);
        } catch (IOException e) {
            throw refused(what, "is not valid JSON (" + firstLine(e.getMessage()) + ")", e);
        }
        if (tree == null || !tree.isObject()) {
            throw refused(what, "is not a JSON object", null);
        }
        JsonNode version = tree.get("format_version");
        if (version == null || !version.isInt()) {
            throw refused(what, "has no format_version", null);
        }
        if (version.asInt() > supportedVersion) {
            throw refused(what, "was written by a newer pitr (format " + version.asInt() + "; this one reads up to "
                    + supportedVersion + "): upgrade pitr to use it", null);
        }
        ObjectReader reader = Json.mapper().readerFor(type)
                .with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .with(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
                .with(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        try {
            return reader.readValue(tree);
        } catch (UnrecognizedPropertyException e) {
            throw refused(what, "has an unknown field '" + e.getPropertyName() + "'", e);
        } catch (MismatchedInputException e) {
            Matcher m = MISSING.matcher(String.valueOf(e.getOriginalMessage()));
            throw refused(what, m.find() ? "is missing the field '" + m.group(1) + "'"
                    : "has a field of the wrong type (" + firstLine(e.getOriginalMessage()) + ")", e);
        } catch (IOException e) {
            throw refused(what, "cannot be read (" + firstLine(e.getMessage()) + ")", e);
        }
    }

    private static PitrException refused(String what, String problem, Throwable cause) {
        return new PitrException(ExitCode.IO_FAILURE, what + " " + problem, cause);
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
