import Dispatch
import Testing
@testable import FedRecHTTP

@Suite struct MetricsTests {
    @Test func rendersCountersGaugesAndHistogramsInExpositionFormat() {
        let metrics = Metrics()
        metrics.counter("fedrec_updates_rejected_total", help: "Updates refused, by reason.", labels: ["reason": "non_finite"]).increment()
        metrics.counter("fedrec_updates_rejected_total", help: "Updates refused, by reason.", labels: ["reason": "shape_mismatch"]).increment(by: 2)
        metrics.counter("fedrec_updates_rejected_total", help: "Updates refused, by reason.", labels: ["reason": "non_finite"]).increment()
        metrics.gauge("fedrec_epsilon_spent", help: "Privacy budget spent.").set(1.25)
        let latency = metrics.histogram("fedrec_latency_seconds", help: "Latency.", buckets: [0.1, 1])
        latency.observe(0.05)
        latency.observe(0.5)
        latency.observe(5)
        #expect(metrics.render() == """
            # HELP fedrec_epsilon_spent Privacy budget spent.
            # TYPE fedrec_epsilon_spent gauge
            fedrec_epsilon_spent 1.25
            # HELP fedrec_latency_seconds Latency.
            # TYPE fedrec_latency_seconds histogram
            fedrec_latency_seconds_bucket{le="0.1"} 1
            fedrec_latency_seconds_bucket{le="1"} 2
            fedrec_latency_seconds_bucket{le="+Inf"} 3
            fedrec_latency_seconds_sum 5.55
            fedrec_latency_seconds_count 3
            # HELP fedrec_updates_rejected_total Updates refused, by reason.
            # TYPE fedrec_updates_rejected_total counter
            fedrec_updates_rejected_total{reason="non_finite"} 2
            fedrec_updates_rejected_total{reason="shape_mismatch"} 2

            """)
    }

    @Test func labelledHistogramsKeepTheirLabelsBesideLe() {
        let metrics = Metrics()
        metrics.histogram("h", help: "x", buckets: [1], labels: ["route": "/v1/model"]).observe(0.5)
        #expect(metrics.render().contains("h_bucket{route=\"/v1/model\",le=\"1\"} 1\n"))
        #expect(metrics.render().contains("h_count{route=\"/v1/model\"} 1\n"))
    }

    @Test func labelValuesAndHelpAreEscaped() {
        let metrics = Metrics()
        metrics.counter("c", help: "a\\b\nc", labels: ["l": "q\"b\\n\n"]).increment()
        let text = metrics.render()
        #expect(text.contains("# HELP c a\\\\b\\nc\n"))
        #expect(text.contains("c{l=\"q\\\"b\\\\n\\n\"} 1\n"))
    }

    @Test func specialValuesUseExpositionSpelling() {
        #expect(Metrics.format(.infinity) == "+Inf")
        #expect(Metrics.format(-.infinity) == "-Inf")
        #expect(Metrics.format(.nan) == "NaN")
        #expect(Metrics.format(3) == "3")
        #expect(Metrics.format(0.5) == "0.5")
    }

    @Test func concurrentIncrementsAreNotLost() {
        let metrics = Metrics()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            let counter = metrics.counter("n", help: "n")
            for _ in 0..<1000 { counter.increment() }
        }
        #expect(metrics.counter("n", help: "n").value == 8000)
    }

    @Test func gaugesGoUpAndDown() {
        let gauge = Metrics().gauge("g", help: "g")
        gauge.add(3)
        gauge.add(-1)
        #expect(gauge.value == 2)
    }
}
