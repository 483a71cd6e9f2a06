/// A request handler: synchronous, thread-safe, from a request to a response.
///
/// Throwing an `HTTPResponseError` (an `HTTPError`, or a module's own error type conforming to it)
/// answers with its JSON error body and status; any other error becomes a 500 whose message reveals
/// nothing about the failure.
public typealias HTTPHandler = @Sendable (HTTPRequest) throws -> HTTPResponse

/// Routes requests by method and path pattern to handlers.
///
/// Patterns are absolute paths whose segments are literals or `{name}` parameters, for example
/// `/v1/rounds/{r}/updates`; a parameter matches one non-empty segment and is passed in
/// `HTTPRequest.pathParameters`. Literal segments win over parameters when both match. A path that
/// matches no pattern gets 404; one that matches only under other methods gets 405 with `Allow`.
/// `HEAD` is served by the `GET` handler (the server drops the body).
public struct Router: Sendable {
    private enum Segment: Sendable, Hashable {
        case literal(String)
        case parameter(String)
    }

    private struct Route: Sendable {
        var method: HTTPMethod
        var pattern: String
        var segments: [Segment]
        var handler: HTTPHandler
    }

    private var routes: [Route] = []

    /// Creates an empty router.
    public init() {}

    /// Adds a route.
    /// - Precondition: `pattern` starts with `/`, its parameters are distinct `{name}` segments, and
    ///   no route with the same method and pattern exists.
    public mutating func add(_ method: HTTPMethod, _ pattern: String, handler: @escaping HTTPHandler) {
        let segments = Router.parse(pattern)
        precondition(!routes.contains { $0.method == method && $0.segments == segments }, "duplicate route \(method) \(pattern)")
        routes.append(Route(method: method, pattern: pattern, segments: segments, handler: handler))
        // Literal segments before parameters, so /v1/rounds/current beats /v1/rounds/{r}.
        routes.sort { Router.specificity($0.segments) > Router.specificity($1.segments) }
    }

    /// The pattern matched by `request` under its method, if any (a metric label with bounded values).
    public func pattern(for request: HTTPRequest) -> String? {
        match(request)?.route.pattern
    }

    /// Answers `request`: runs the matching handler, or produces the 404/405 error response.
    public func respond(to request: HTTPRequest) -> HTTPResponse {
        if let (route, parameters) = match(request) {
            var request = request
            request.pathParameters = parameters
            do {
                return try route.handler(request)
            } catch let error as any HTTPResponseError {
                return .error(error)
            } catch {
                return .error(HTTPError(.internalError, "the server failed to handle \(route.pattern)"))
            }
        }
        let pathSegments = Router.split(request.path)
        let allowed = Set(routes.filter { Router.bind($0.segments, to: pathSegments) != nil }.map(\.method.rawValue))
        if allowed.isEmpty {
            return .error(HTTPError(.notFound, "no resource at \(request.path)"))
        }
        var allow = allowed
        if allow.contains("GET") { allow.insert("HEAD") }
        var response = HTTPResponse.error(HTTPError(.methodNotAllowed, "\(request.path) does not accept \(request.method); use \(allow.sorted().joined(separator: ", "))"))
        response.headers.add("Allow", allow.sorted().joined(separator: ", "))
        return response
    }

    private func match(_ request: HTTPRequest) -> (route: Route, parameters: [String: String])? {
        let pathSegments = Router.split(request.path)
        let method = request.method == .head ? HTTPMethod.get : request.method
        for route in routes where route.method == method {
            if let parameters = Router.bind(route.segments, to: pathSegments) { return (route, parameters) }
        }
        return nil
    }

    private static func split(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { $0 }
    }

    private static func bind(_ segments: [Segment], to path: [Substring]) -> [String: String]? {
        guard segments.count == path.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, actual) in zip(segments, path) {
            switch segment {
            case .literal(let literal): if literal != actual { return nil }
            case .parameter(let name):
                if actual.isEmpty { return nil }
                parameters[name] = String(actual)
            }
        }
        return parameters
    }

    private static func parse(_ pattern: String) -> [Segment] {
        precondition(pattern.hasPrefix("/"), "route patterns start with '/': \(pattern)")
        var names = Set<String>()
        return split(pattern).map { part in
            if part.hasPrefix("{") && part.hasSuffix("}") && part.count > 2 {
                let name = String(part.dropFirst().dropLast())
                precondition(names.insert(name).inserted, "parameter {\(name)} appears twice in \(pattern)")
                return .parameter(name)
            }
            precondition(!part.contains("{") && !part.contains("}"), "malformed segment \(part) in \(pattern)")
            return .literal(String(part))
        }
    }

    private static func specificity(_ segments: [Segment]) -> Int {
        segments.reduce(0) { count, segment in
            if case .literal = segment { return count + 1 }
            return count
        }
    }
}
