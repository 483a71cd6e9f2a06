import FedRecHTTP
import Foundation

/// Registers the endpoints of docs/protocol.md §5 on a router, on top of a `RoundCoordinator`.
///
/// The routes own everything protocol-level: bearer authentication, content types, the order of
/// checks on updates (token → admission → decoding), tensor decoding against the model layout,
/// JSON bodies, and the metrics `fedrec_updates_accepted_total`,
/// `fedrec_updates_rejected_total{reason}`, and the gauges refreshed from `status()` on each scrape
/// (`fedrec_round`, `fedrec_model_version`, `fedrec_epsilon_spent`, `fedrec_epsilon_budget`).
/// The coordinator owns the rounds. Wire it up as:
/// ```swift
/// let metrics = Metrics()
/// var router = Router()
/// FederationRoutes.install(on: &router, coordinator: coordinator,
///                          authenticator: BearerAuthenticator(tokens: tokens), metrics: metrics)
/// let server = HTTPServer(configuration: .init(port: port,
///     limits: FederationRoutes.limits(for: coordinator.modelLayout), metrics: metrics), router: router)
/// ```
public enum FederationRoutes {
    /// Request limits whose body limit is exactly one encoded update of `layout`.
    public static func limits(for layout: [TensorSpec]) -> HTTPRequestParser.Limits {
        HTTPRequestParser.Limits(maxBodyBytes: TensorWireFormat.encodedByteCount(layout: layout))
    }

    /// Adds `/healthz`, `/v1/status`, `/v1/checkin`, `/v1/model`, `/v1/rounds/{r}/updates` and
    /// `/metrics` to `router`.
    /// - Parameter counts: who sees the exact participant counts (`/v1/status` counts and
    ///   `/metrics`): by default only the operator.
    public static func install(on router: inout Router, coordinator: some RoundCoordinator, authenticator: BearerAuthenticator, metrics: Metrics,
                               counts: CountAccess = CountAccess()) {
        let accepted = metrics.counter("fedrec_updates_accepted_total", help: "Updates accepted into a round.")
        let layout = coordinator.modelLayout
        let rejectedHelp = "Updates refused, by reason (an error code of docs/protocol.md)."

        router.add(.get, "/healthz") { _ in .text("ok") }

        router.add(.get, "/v1/status") { request in
            if !counts.isOperator(request) { _ = try authenticator.authenticate(request) }
            var status: RoundStatus
            var wait = 20.0
            if let text = request.queryParameter("wait") {
                guard let w = Double(text), w.isFinite, (0...maxStatusWait).contains(w) else {
                    throw ServerError(.badRequest, "wait must be a number of seconds from 0 to \(Int(maxStatusWait)) (got '\(text.prefix(20))')")
                }
                wait = w
            }
            if let text = request.queryParameter("after_round") {
                guard let round = UInt64(text) else {
                    throw ServerError(.badRequest, "after_round must be a round number from 0 to \(UInt64.max) (got '\(text.prefix(20))')")
                }
                status = coordinator.status(afterRound: round, instance: request.queryParameter("instance"), timeout: .milliseconds(Int64(wait * 1000)))
            } else {
                status = coordinator.status()
            }
            if !counts.allowsCounts(request) { status = status.withoutCounts }
            return .json(encoding: status, encoder: jsonEncoder)
        }

        router.add(.get, "/v1/plan") { request in
            _ = try authenticator.authenticate(request)
            guard let plan = coordinator.trainingPlan else { throw ServerError(.notFound, "this server publishes no training plan") }
            return .json(encoding: plan, encoder: jsonEncoder)
        }

        router.add(.post, "/v1/checkin") { request in
            let client = try authenticator.authenticate(request)
            try checkCheckInBody(request.body)
            return .json(encoding: try coordinator.checkIn(clientID: client), encoder: jsonEncoder)
        }

        router.add(.get, "/v1/model") { request in
            let client = try authenticator.authenticate(request)
            let snapshot = try coordinator.currentModel(clientID: client)
            var response = HTTPResponse.binary(snapshot.encoded, contentType: TensorWireFormat.contentType)
            response.headers.add("ETag", "\"\(snapshot.version)\"")
            response.headers.add("Cache-Control", "no-store")
            return response
        }

        router.add(.post, "/v1/rounds/{r}/updates") { request in
            do {
                let client = try authenticator.authenticate(request)
                guard let text = request.pathParameters["r"], let round = UInt64(text) else {
                    throw ServerError(.badRequest, "the round in the path must be a non-negative integer")
                }
                guard let type = request.headers["Content-Type"], type.split(separator: ";").first.map({ HTTPHeaders.equalsIgnoringCase($0.trimmingSpaces(), TensorWireFormat.contentType) }) == true else {
                    throw ServerError(.unsupportedMediaType, "send updates as Content-Type: \(TensorWireFormat.contentType)")
                }
                try coordinator.admitUpdate(clientID: client, round: round)
                let update = try TensorWireFormat.decode(request.body, expectedLayout: layout)
                guard update.round == round else {
                    throw ServerError(.badRequest, "the update body is for round \(update.round) but was posted to round \(round)")
                }
                var unclipped: Int? = nil
                if let text = request.headers[unclippedHeader] {
                    guard let bit = Int(text.trimmingSpaces()) else {
                        throw ServerError(.badRequest, "the \(unclippedHeader) header must be 0 or 1 (got \(text.prefix(20)))")
                    }
                    unclipped = bit
                }
                let receipt = try coordinator.submitUpdate(clientID: client, round: round, update: update, unclipped: unclipped)
                accepted.increment()
                return .json(encoding: receipt, encoder: jsonEncoder)
            } catch let error as ServerError {
                metrics.counter("fedrec_updates_rejected_total", help: rejectedHelp, labels: ["reason": error.code.name]).increment()
                throw error
            }
        }

        router.add(.get, "/metrics") { request in
            if !counts.isOperator(request) {
                _ = try authenticator.authenticate(request)
                guard counts.publicCounts else {
                    throw ServerError(.forbidden, "/metrics shows exact participant counts, which the privacy guarantee does not cover; scrape it with the operator token (fedrec serve --operator-token-file), or start the server with --public-counts")
                }
            }
            let status = coordinator.status()
            metrics.gauge("fedrec_round", help: "The open round.").set(Double(status.round))
            metrics.gauge("fedrec_model_version", help: "Models released so far.").set(Double(status.modelVersion))
            metrics.gauge("fedrec_epsilon_spent", help: "Privacy budget spent: epsilon at the ledger's delta, by the accountant that proves the budget (fedrec_epsilon_accountant).").set(status.epsilonSpent)
            for kind in ["rdp", "pld"] { metrics.gauge("fedrec_epsilon_accountant", help: "1 for the accountant whose bound fedrec_epsilon_spent shows, else 0.", labels: ["accountant": kind]).set(status.epsilonAccountant == kind ? 1 : 0) }
            if let budget = status.epsilonBudget { metrics.gauge("fedrec_epsilon_budget", help: "Privacy budget (epsilon).").set(budget) }
            if let c = status.clipBound { metrics.gauge("fedrec_clip_bound", help: "The adaptive clip bound C of the open round.").set(c) }
            return .text(metrics.render(), contentType: Metrics.contentType)
        }
    }

    /// The longest `wait` of a status long poll, in seconds.
    public static let maxStatusWait = 30.0

    /// A check-in body is empty or one JSON object (docs/protocol.md §5); anything else is 400.
    static func checkCheckInBody(_ body: [UInt8]) throws(ServerError) {
        guard body.contains(where: { ![32, 9, 10, 13].contains($0) }) else { return }
        guard (try? JSONSerialization.jsonObject(with: Data(body))) is [String: Any] else {
            throw ServerError(.badRequest, "the check-in body must be empty or a JSON object such as {} (got \(body.count) bytes that are not one)")
        }
    }

    /// The request header of an update carrying the client's bit 1[‖Δ‖ ≤ C_t] under adaptive
    /// clipping: `0` or `1` (docs/protocol.md §5).
    public static let unclippedHeader = "FedRec-Unclipped"

    /// snake_case keys, sorted, as every JSON body of the protocol.
    static let jsonEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// The matching decoder for clients.
    static let jsonDecoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()
}
