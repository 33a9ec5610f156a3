package dev.warden.bench.outbox;

import dev.warden.outbox.OutboxRelay;

/** What the bench drives: the library's relay, or the what-if prototype. */
interface BenchRelay {

    void start();

    void stop();

    long published();

    static BenchRelay of(OutboxRelay relay) {
        return new BenchRelay() {
            @Override
            public void start() {
                relay.start();
            }

            @Override
            public void stop() {
                relay.stop();
            }

            @Override
            public long published() {
                return relay.published();
            }
        };
    }
}
