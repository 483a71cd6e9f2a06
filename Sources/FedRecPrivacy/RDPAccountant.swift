#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A Rényi-DP accountant for (Poisson-subsampled) Gaussian events.
///
/// Keeps the RDP curve ε(α) on a grid of orders (the same grid as `dp_accounting`'s
/// `RdpAccountant`: 1.1, 1.2, …, 10.9, 11, …, 63, 128, 256, 512, 1024); composition adds curves
/// (Mironov 2017, Proposition 1). The per-step curve of the subsampled Gaussian is
/// ``SampledGaussianRDP``. Conversion to (ε, δ) uses the tight bound of Canonne, Kamath & Steinke
/// (2020) / Balle et al. (2020): ε = ε(α) + log1p(−1/α) − (log δ + log α)/(α − 1), minimised over α.
public struct RDPAccountant: PrivacyAccountant, Hashable, Codable {
    /// `dp_accounting`'s default order grid.
    public static let defaultOrders: [Double] =
        (1..<100).map { 1 + Double($0) / 10 } + (11..<64).map(Double.init) + [128, 256, 512, 1024]

    /// The RDP orders α (all > 1).
    public let orders: [Double]
    /// The composed RDP ε(α) at each order, in nats.
    public private(set) var rdp: [Double]

    /// Which accountant this is: `.rdp`.
    public var kind: AccountantKind { .rdp }

    /// Creates an empty accountant over `orders`.
    /// - Precondition: every order is > 1.
    public init(orders: [Double] = RDPAccountant.defaultOrders) {
        precondition(!orders.isEmpty && orders.allSatisfy { $0 > 1 }, "RDP orders must be > 1")
        self.orders = orders
        self.rdp = [Double](repeating: 0, count: orders.count)
    }

    /// Creates an accountant holding an already composed curve (used by the ledger's cache).
    init(orders: [Double], rdp: [Double]) {
        precondition(orders.count == rdp.count, "one RDP value per order")
        self.orders = orders
        self.rdp = rdp
    }

    /// Adds `count` repetitions of `event`.
    /// - Throws: `PrivacyError.invalidParameter` for bad parameters; `.unsupportedEvent` for Poisson
    ///   sampling of anything but a single Gaussian.
    public mutating func compose(_ event: PrivacyEvent, count: Int) throws {
        try PrivacyError.checkCount(count, name: "composition count")
        try event.validate()
        var added = [Double](repeating: 0, count: orders.count)
        try event.forEachLeaf(count: count) { leaf, n in
            let curve = try Self.curve(of: leaf, orders: orders)
            for i in added.indices { added[i] += Double(n) * curve[i] }
        }
        for i in rdp.indices { rdp[i] += added[i] }
    }

    /// The per-step RDP curve of a leaf event.
    static func curve(of leaf: PrivacyEvent, orders: [Double]) throws -> [Double] {
        switch leaf {
        case .gaussian(let z):
            return orders.map { $0 / (2 * z * z) }
        case .poissonSampled(let q, .gaussian(let z)):
            return orders.map { SampledGaussianRDP.rdp(samplingRate: q, noiseMultiplier: z, order: $0) }
        default:
            throw PrivacyError(.unsupportedEvent, "the RDP accountant supports Gaussian and Poisson-sampled Gaussian events, not \(leaf)")
        }
    }

    /// The smallest ε over the orders such that the composition is (ε, δ)-DP.
    /// - Throws: `PrivacyError.invalidParameter` unless 0 < δ < 1.
    public func epsilon(delta: Double) throws -> Double { try epsilonAndOrder(delta: delta).epsilon }

    /// The ε of ``epsilon(delta:)`` together with the order that attains it.
    public func epsilonAndOrder(delta: Double) throws -> (epsilon: Double, order: Double) {
        try PrivacyError.checkDelta(delta)
        var best = (epsilon: Double.infinity, order: orders[0])
        for (a, r) in zip(orders, rdp) {
            let e: Double
            if r <= 0 || delta * delta + expm1(-r) > 0 {
                e = 0  // δ ≥ √(1 − e^(−r)): the total variation bound already gives ε = 0
            } else if a > 1.01 {
                e = r + log1p(-1 / a) - log(delta * a) / (a - 1)
            } else {
                e = .infinity
            }
            if e < best.epsilon { best = (e, a) }
        }
        return (max(0, best.epsilon), best.order)
    }

    /// The smallest δ over the orders such that the composition is (ε, δ)-DP (the same conversion
    /// solved for δ: log δ = (α − 1)(ε(α) − ε + log1p(−1/α)) − log α, capped by √(1 − e^(−ε(α)))).
    /// - Throws: `PrivacyError.invalidParameter` unless ε ≥ 0 is finite.
    public func delta(epsilon: Double) throws -> Double {
        try PrivacyError.checkEpsilon(epsilon)
        var best = Double.infinity
        for (a, r) in zip(orders, rdp) {
            var logDelta = r <= 0 ? -Double.infinity : 0.5 * log1p(-exp(-r))
            if a > 1.01 {
                logDelta = min(logDelta, (a - 1) * (r - epsilon + log1p(-1 / a)) - log(a))
            }
            best = min(best, logDelta)
        }
        return min(exp(best), 1)
    }
}
