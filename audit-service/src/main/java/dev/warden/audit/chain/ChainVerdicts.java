package dev.warden.audit.chain;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every chain verification's verdict, in {@code warden_audit_chain_verifications_total{result="valid|invalid|failed",
 * source="request|scrub"}}: a background verification someone asked for, or the scrub that goes over every chain by
 * itself ({@link ChainScrub}). An invalid one means a chain was altered, which is an alert of its own (deploy/k8s,
 * monitoring), whoever found it.
 */
@ApplicationScoped
@Startup // the counters exist from the start, so an alert's increase() sees the first invalid verdict
public class ChainVerdicts {

    public static final String REQUEST = "request";
    public static final String SCRUB = "scrub";

    private final Map<String, Counter> counters = new HashMap<>();

    public ChainVerdicts(MeterRegistry registry) {
        for (String source : List.of(REQUEST, SCRUB)) {
            for (String result : List.of("valid", "invalid", "failed")) {
                counters.put(source + "/" + result, Counter.builder("warden.audit.chain.verifications")
                        .tag("result", result).tag("source", source)
                        .description("Chain verifications finished, by verdict and by who asked").register(registry));
            }
        }
    }

    public void verdict(String source, boolean valid) {
        counters.get(source + "/" + (valid ? "valid" : "invalid")).increment();
    }

    public void failed(String source) {
        counters.get(source + "/failed").increment();
    }
}
