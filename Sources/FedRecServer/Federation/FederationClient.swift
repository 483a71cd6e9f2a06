import FedRecHTTP
import Foundation

/// The client side of docs/protocol.md §5 for `fedrec client`: typed calls over one keep-alive
/// `HTTPClient` with the client's bearer token. Not thread-safe: one per client thread.
///
/// A client loop looks like:
/// ```swift
/// let api = try FederationClient(url: "http://127.0.0.1:8080", token: token)
/// while true {
///     let ticket = try api.checkIn()
///     guard ticket.selected else { sleep(ticket.retryAfterSeconds ?? 1); continue }
///     let model = try api.fetchModel()                    // model.round == ticket.round
///     let update = train(model)                           // clip + noise, same layout
///     _ = try api.submit(TensorMessage(round: model.round, layout: model.layout, values: update))
/// }
/// ```
/// Refusals arrive as `ServerError` with the server's code (`.staleRound`, `.budgetExhausted`, …),
/// so the loop can switch on `error.code`.
public final class FederationClient {
    /// The underlying HTTP client.
    public let http: HTTPClient
    private let authorization: HTTPHeaders

    /// Creates a client for the server at `url` (`http://HOST:PORT`) using `token`.
    /// - Throws: `.badRequest` for a malformed URL.
    public init(url: String, token: String, configuration: HTTPClient.Configuration = .init()) throws(ServerError) {
        http = try ServerError.bridging(HTTPClient(url: url, configuration: configuration))
        authorization = ["Authorization": "Bearer \(token)"]
    }

    /// Creates a client over an existing `HTTPClient`.
    public init(http: HTTPClient, token: String) {
        self.http = http
        authorization = ["Authorization": "Bearer \(token)"]
    }

    /// `GET /v1/status`.
    public func status() throws(ServerError) -> RoundStatus {
        try decode(RoundStatus.self, from: try checked(http.get("/v1/status", headers: authorization)))
    }

    /// `GET /v1/status?after_round=r&instance=X&wait=S`: waits (up to `wait` seconds) until the
    /// server leaves round `round` of `instance`, then returns the status.
    public func status(afterRound round: UInt64, instance: String?, wait: Double) throws(ServerError) -> RoundStatus {
        var path = "/v1/status?after_round=\(round)&wait=\(wait)"
        if let instance { path += "&instance=\(instance)" }
        return try decode(RoundStatus.self, from: try checked(http.get(path, headers: authorization)))
    }

    /// `GET /v1/plan`: the model shape, local recipe and client-side privacy parameters.
    public func plan() throws(ServerError) -> TrainingPlan {
        try decode(TrainingPlan.self, from: try checked(http.get("/v1/plan", headers: authorization)))
    }

    /// `POST /v1/checkin`: whether this client is selected in the open round.
    public func checkIn() throws(ServerError) -> CheckInResult {
        try decode(CheckInResult.self, from: try checked(http.post("/v1/checkin", body: [], headers: authorization)))
    }

    /// `GET /v1/model`, decoded and validated (finite values).
    public func fetchModel() throws(ServerError) -> TensorMessage {
        let response = try checked(http.get("/v1/model", headers: authorization))
        return try TensorWireFormat.decode(response.body)
    }

    /// `POST /v1/rounds/{update.round}/updates`; `unclipped` (adaptive clipping only) is the bit
    /// 1[‖Δ‖ ≤ C_t], sent in the `FedRec-Unclipped` header.
    public func submit(_ update: TensorMessage, unclipped: Int? = nil) throws(ServerError) -> UpdateReceipt {
        let body = TensorWireFormat.encode(update)
        var headers = authorization
        if let unclipped { headers.add(FederationRoutes.unclippedHeader, String(unclipped)) }
        let response = try checked(http.post("/v1/rounds/\(update.round)/updates", body: body, contentType: TensorWireFormat.contentType, headers: headers))
        return try decode(UpdateReceipt.self, from: response)
    }

    /// Sends the request in `send` and returns its 2xx response; a transport failure or an error
    /// response becomes the `ServerError` with the same code and message.
    private func checked(_ send: @autoclosure () throws(HTTPError) -> HTTPClientResponse) throws(ServerError) -> HTTPClientResponse {
        let response = try ServerError.bridging(send())
        if let error = response.error { throw ServerError(error) }
        guard (200...299).contains(response.status) else { throw ServerError(.badResponse, "unexpected status \(response.status)") }
        return response
    }

    private func decode<T: Decodable>(_: T.Type, from response: HTTPClientResponse) throws(ServerError) -> T {
        do {
            return try FederationRoutes.jsonDecoder.decode(T.self, from: .init(response.body))
        } catch {
            throw ServerError(.badResponse, "the server's \(T.self) JSON could not be read: \(response.text.prefix(200))")
        }
    }
}
