package dev.pitr.repo;

import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

import java.util.function.Consumer;

/**
 * Tells -v about S3 retries: the SDK retries 5xx, throttling and connection failures silently, and an operator
 * watching a slow archive wants to know that the store is flaky rather than guess.
 */
final class RetryReporter implements ExecutionInterceptor {
    private final Consumer<String> verbose;

    RetryReporter(Consumer<String> verbose) {
        this.verbose = verbose;
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        // the SDK stamps every attempt with "attempt=N; max=M"
        context.httpRequest().firstMatchingHeader("amz-sdk-request")
                .filter(v -> !v.startsWith("attempt=1;"))
                .ifPresent(v -> verbose.accept("S3 " + context.httpRequest().method() + " "
                        + context.httpRequest().encodedPath() + ": retrying (" + v.replace("; ", ", ") + ")"));
    }

    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
        int status = context.httpResponse().statusCode();
        if (status >= 500 || status == 429) {
            verbose.accept("S3 " + context.httpRequest().method() + " " + context.httpRequest().encodedPath()
                    + ": HTTP " + status + " from the store");
        }
    }
}
