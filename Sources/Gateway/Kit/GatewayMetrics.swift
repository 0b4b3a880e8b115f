import BusContract
import InfernetBus
import InfernetCore
import Prometheus
import ServiceKit

/// The gateway's Prometheus metrics, in a registry of its own (rendered by `GET /metrics`).
public final class GatewayMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let jobsAccepted: Counter
    let jobsSucceeded: Counter
    let jobsFailed: Counter
    let jobDuration: DurationHistogram
    let rateLimited: Counter
    let pendingJobs: Gauge
    let requestsByClass: [Counter]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        let jobs = Self.name("infernet_gateway_jobs_total", "Off-chain jobs by status")
        jobsAccepted = registry.makeCounter(descriptor: jobs, labels: [("status", "accepted")])
        jobsSucceeded = registry.makeCounter(descriptor: jobs, labels: [("status", "success")])
        jobsFailed = registry.makeCounter(descriptor: jobs, labels: [("status", "failed")])
        jobDuration = registry.makeDurationHistogram(
            descriptor: Self.name("infernet_gateway_job_duration_seconds", "Time from accepting an off-chain job to its result"),
            buckets: [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(20),
                      .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                      .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(180)])
        rateLimited = registry.makeCounter(
            descriptor: Self.name("infernet_gateway_rate_limited_total", "Requests refused with 429"))
        pendingJobs = registry.makeGauge(descriptor: Self.name("infernet_gateway_pending_jobs", "Off-chain jobs still running"))
        let requests = Self.name("infernet_gateway_http_requests_total", "HTTP requests by status class")
        requestsByClass = (1...5).map { registry.makeCounter(descriptor: requests, labels: [("code", "\($0)xx")]) }
    }

    func countRequest(status: Int) {
        let index = min(max(status / 100, 1), 5) - 1
        requestsByClass[index].increment()
    }

    /// Copies the broker's figures into gauges.
    func record(_ statistics: BrokerStatistics) {
        for (service, count) in statistics.peersByService {
            registry.makeGauge(descriptor: Self.name("infernet_bus_peers", "Bus peers by service"), labels: [("service", service)])
                .set(Double(count))
        }
        let figures: [(String, Int, String)] = [
            ("infernet_bus_inflight_requests", statistics.inflight, "Requests being served by a worker"),
            ("infernet_bus_queued_requests", statistics.queued, "Requests waiting for a worker"),
            ("infernet_bus_routed_requests", statistics.routed, "Requests routed since the broker started"),
            ("infernet_bus_redispatched_requests", statistics.redispatched, "Requests handed to another worker"),
            ("infernet_bus_failed_requests", statistics.failed, "Requests failed back to their sender"),
            ("infernet_bus_rejected_frames", statistics.rejectedFrames, "Malformed frames rejected"),
        ]
        for (name, value, help) in figures {
            registry.makeGauge(descriptor: Self.name(name, help)).set(Double(value))
        }
    }

    /// Copies the chain worker's figures into gauges (sync progress, deliveries by status).
    func record(_ status: ChainStatus) {
        let figures: [(String, Double, String)] = [
            ("infernet_chain_head_block", Double(status.headBlock), "Head block the subscription sync last read at"),
            ("infernet_chain_subscriptions", Double(status.subscriptions), "Subscriptions synced into chain.sqlite"),
            ("infernet_chain_sync_next_id", Double(status.syncNextID), "Next subscription id the sync will read"),
            ("infernet_chain_pending_deliveries", Double(status.pendingDeliveries), "Deliveries computing or sent, not mined yet"),
        ]
        for (name, value, help) in figures {
            registry.makeGauge(descriptor: Self.name(name, help)).set(value)
        }
        for (state, count) in status.deliveries {
            registry.makeGauge(descriptor: Self.name("infernet_chain_deliveries", "Delivery records by status"),
                               labels: [("status", state)]).set(Double(count))
        }
    }

    /// Open HTTP connections and those refused over `server.max_connections`.
    func record(_ connections: ConnectionCounter) {
        registry.makeGauge(descriptor: Self.name("infernet_gateway_open_connections", "Open HTTP connections"))
            .set(Double(connections.open))
        registry.makeGauge(descriptor: Self.name("infernet_gateway_refused_connections", "HTTP connections closed at once over server.max_connections"))
            .set(Double(connections.refused))
    }

    static func name(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    public func render() -> [UInt8] { registry.emitToBuffer() }
}
