package dev.pitr.target.log;

import java.util.Optional;
import java.util.function.Predicate;

/**
 * The first filter of a scan, on each message's raw text before anything is parsed, and how it may be applied:
 * a filter of words ({@link Words}) is judged on the raw bytes of a plain log, so a message it rejects is
 * never decoded; any other test ({@link Text}) needs the decoded text. The scan mode follows from which it is.
 */
public sealed interface MessageFilter permits MessageFilter.Words, MessageFilter.Text {
    /** Whether the message's text may matter. */
    boolean test(String text);

    /** The words to judge raw bytes by, when this filter can be applied to them. */
    Optional<KeywordFilter> onBytes();

    /** Every message. */
    static MessageFilter all() {
        return new Text(text -> true);
    }

    /** Words, judged on raw bytes where the log allows it (plain stderr) and on decoded text elsewhere. */
    record Words(KeywordFilter words) implements MessageFilter {
        @Override
        public boolean test(String text) {
            return words.test(text);
        }

        @Override
        public Optional<KeywordFilter> onBytes() {
            return Optional.of(words);
        }
    }

    /** A test only decoded text can answer (a regex, a one-letter table name). */
    record Text(Predicate<String> test) implements MessageFilter {
        @Override
        public boolean test(String text) {
            return test.test(text);
        }

        @Override
        public Optional<KeywordFilter> onBytes() {
            return Optional.empty();
        }
    }
}
