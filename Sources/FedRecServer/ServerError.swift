/// The one error type of FedRecServer: a stable machine-readable code, the HTTP status it maps to,
/// and a message that tells the caller what was wrong and how to fix it.
///
/// Responses carry it as the JSON body `{"error": code.name, "message": message}` (see
/// `HTTPResponse.error(_:)` and docs/protocol.md). `Code` is an open struct rather than an enum so
/// the round logic can add codes (for example its own refusals) without breaking callers.
public struct ServerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, snake_case error identifier plus the HTTP status a response for it carries.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The identifier sent as `"error"` in JSON bodies and used as the `reason` metric label.
        public let name: String
        /// The HTTP status code of a response carrying this error.
        public let status: Int

        /// Creates a code; `name` should be snake_case and stable, since clients match on it.
        public init(_ name: String, status: Int) {
            precondition(!name.isEmpty, "error code names must not be empty")
            precondition((400...599).contains(status), "error codes map to 4xx or 5xx statuses")
            self.name = name
            self.status = status
        }

        /// The identifier.
        public var description: String { name }

        // MARK: HTTP framing (the request parser and router)
        /// Malformed request line, header, path or body framing (400).
        public static let badRequest = Code("bad_request", status: 400)
        /// No valid bearer token (401).
        public static let unauthorized = Code("unauthorized", status: 401)
        /// Authenticated but not allowed to do this (403), e.g. a client not selected this round.
        public static let forbidden = Code("forbidden", status: 403)
        /// No route for the path (404).
        public static let notFound = Code("not_found", status: 404)
        /// A route exists for the path but not for the method (405).
        public static let methodNotAllowed = Code("method_not_allowed", status: 405)
        /// The client was too slow to send the request head or body (408).
        public static let requestTimeout = Code("request_timeout", status: 408)
        /// The request conflicts with the server's state (409), e.g. a second update in a round.
        public static let conflict = Code("conflict", status: 409)
        /// A body was sent without `Content-Length` (chunked uploads are refused) (411).
        public static let lengthRequired = Code("length_required", status: 411)
        /// The body is larger than the configured limit (413).
        public static let payloadTooLarge = Code("payload_too_large", status: 413)
        /// The request target is longer than the request-line limit (414).
        public static let uriTooLong = Code("uri_too_long", status: 414)
        /// The body has a content type the route does not accept (415).
        public static let unsupportedMediaType = Code("unsupported_media_type", status: 415)
        /// An `Expect` header other than `100-continue` (417).
        public static let expectationFailed = Code("expectation_failed", status: 417)
        /// The header section is larger than the configured limit (431).
        public static let headersTooLarge = Code("request_header_fields_too_large", status: 431)
        /// An unexpected failure inside a handler (500); the message never leaks internals.
        public static let internalError = Code("internal_error", status: 500)
        /// A feature of HTTP this server does not implement, e.g. a transfer coding (501).
        public static let notImplemented = Code("not_implemented", status: 501)
        /// The server is at its connection limit or shutting down (503).
        public static let unavailable = Code("service_unavailable", status: 503)
        /// An HTTP version other than 1.0 or 1.1 (505).
        public static let httpVersionNotSupported = Code("http_version_not_supported", status: 505)

        // MARK: Tensor wire format (docs/protocol.md §3)
        /// The body does not start with the tensor magic bytes (400).
        public static let badMagic = Code("bad_magic", status: 400)
        /// The tensor format version is not one this server reads (400).
        public static let unsupportedFormatVersion = Code("unsupported_format_version", status: 400)
        /// The tensor header is malformed: bad name, rank, dimension or reserved field (400).
        public static let malformedTensor = Code("malformed_tensor", status: 400)
        /// The body length disagrees with the header: truncated or trailing bytes (400).
        public static let lengthMismatch = Code("length_mismatch", status: 400)
        /// The tensors' names or shapes differ from the current model's (422).
        public static let shapeMismatch = Code("shape_mismatch", status: 422)
        /// A value is NaN or infinite (422).
        public static let nonFinite = Code("non_finite", status: 422)

        // MARK: Rounds (used by the round logic; listed here so the protocol has one table)
        /// An update for a round that is not the open one (409).
        public static let staleRound = Code("stale_round", status: 409)
        /// A second update from the same client in one round (409).
        public static let duplicateUpdate = Code("duplicate_update", status: 409)
        /// An update from a client that was not selected in this round (403).
        public static let notSelected = Code("not_selected", status: 403)
        /// The privacy budget does not allow another round (409).
        public static let budgetExhausted = Code("budget_exhausted", status: 409)
        /// Every planned round has run; only `GET /v1/model` (the final model) and status remain (410).
        public static let roundsComplete = Code("rounds_complete", status: 410)
        /// Central trust: an update whose L2 norm exceeds the clip bound C (422); the server's
        /// noise is calibrated to C, so such an update would break the guarantee.
        public static let clipBoundExceeded = Code("clip_bound_exceeded", status: 422)
        /// Distributed or local trust: an update whose L2 norm exceeds C + σ(√d + t), more than an
        /// honest clipped update with the client's noise σ has except with probability 10⁻⁹ (422;
        /// `UpdateNormBound`).
        public static let updateNormExceeded = Code("update_norm_exceeded", status: 422)

        // MARK: Local failures (never sent by the server itself)
        /// The server's published plan is below the client's own privacy floor
        /// (`ClientPrivacyRequirements`); the client sent nothing.
        public static let weakPlan = Code("weak_plan", status: 412)
        /// A file could not be read, written, synced or renamed.
        public static let ioFailure = Code("io_failure", status: 500)
        /// A checkpoint fails its checksums or layout; the server must not start fresh.
        public static let corruptCheckpoint = Code("corrupt_checkpoint", status: 500)
        /// The options (or `setup.json`) differ from the settings the checkpoint was written with;
        /// privacy-relevant settings cannot change mid-run. The message lists what differs.
        public static let setupMismatch = Code("setup_mismatch", status: 500)
        /// The state directory shows a run happened, but its checkpoint or ledger is missing or
        /// behind the run's record (`budget.json`): starting would restart or roll back the privacy
        /// budget. Refused unless `fedrec serve --accept-budget-reset`.
        public static let budgetResetRefused = Code("budget_reset_refused", status: 500)
        /// A token file is malformed or has unsafe permissions.
        public static let invalidTokenFile = Code("invalid_token_file", status: 500)
        /// A socket could not be created, bound or connected.
        public static let socketFailure = Code("socket_failure", status: 503)
        /// The client's peer did not answer in time.
        public static let timedOut = Code("timed_out", status: 504)
        /// The peer sent a response this client cannot parse.
        public static let badResponse = Code("bad_response", status: 502)
    }

    /// What kind of failure this is.
    public var code: Code
    /// What was wrong and how to fix it, in words a user can act on.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The HTTP status of a response carrying this error.
    public var status: Int { code.status }

    /// `"code: message"`.
    public var description: String { "\(code.name): \(message)" }
}

extension ServerError {
    /// An error for a failed system call, with `errno` rendered as text.
    static func system(_ code: Code, _ what: String, errno err: Int32) -> ServerError {
        ServerError(code, "\(what): \(String(cString: strerror(err))) (errno \(err))")
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
