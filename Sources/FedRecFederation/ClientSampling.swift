import FedRecMath

/// How the server picks the clients of a round.
public enum ClientSampling: Sendable, Hashable, Codable {
    /// Poisson sampling (the default, and the only choice for private runs): each of the N
    /// clients joins independently with probability `rate` = q, so the count varies around q·N.
    /// This is the subsampling the DP accountants analyse (Mironov, Talwar & Zhang 2019).
    case poisson(rate: Double)
    /// Exactly `clientsPerRound` = M distinct clients, uniformly at random (non-private runs only).
    case fixedSize(clientsPerRound: Int)

    /// The expected number of participants out of `population`: q·N or M.
    public func expectedParticipants(population: Int) -> Double {
        switch self {
        case .poisson(let q): q * Double(population)
        case .fixedSize(let m): Double(m)
        }
    }

    /// Checks the parameters alone: q ∈ (0, 1], M ≥ 1. - Throws: ``FederationError``.
    public func validate() throws {
        switch self {
        case .poisson(let q):
            if !(q > 0 && q <= 1) {
                throw FederationError(.invalidParameter, "--sampling-rate is \(q); it must be in (0, 1] (the probability that a client joins a round)")
            }
        case .fixedSize(let m):
            if m < 1 {
                throw FederationError(.invalidParameter, "--clients-per-round is \(m); it must be at least 1")
            }
        }
    }

    /// The participants of one round out of clients `0..<population`, increasing.
    ///
    /// Poisson sampling skips ahead by geometric gaps (the gaps between successes of
    /// independent Bernoulli(q) trials are i.i.d. Geometric(q)), so it costs O(q·N) draws, not
    /// O(N). Fixed-size sampling uses Floyd's algorithm, O(M log M).
    /// - Precondition: for fixed size, M ≤ population.
    public func sample(population: Int, using rng: inout some RandomNumberGenerator) -> [Int32] {
        switch self {
        case .poisson(let q):
            if q >= 1 { return (0..<population).map { Int32($0) } }
            var out: [Int32] = []
            out.reserveCapacity(Int(q * Double(population) * 1.2) + 8)
            let logFail = _log(1 - q)
            var next = -1
            while true {
                // Gap G ≥ 1 with P(G = g) = (1 − q)^(g−1)·q: G = 1 + ⌊ln U / ln(1 − q)⌋, U ∈ (0, 1).
                let g = (_log(rng.nextOpenUnitDouble()) / logFail).rounded(.down)
                guard g < Double(population) else { break }
                next += 1 + Int(g)
                guard next < population else { break }
                out.append(Int32(next))
            }
            return out
        case .fixedSize(let m):
            precondition(m <= population, "ClientSampling: \(m) clients per round out of \(population)")
            var chosen = Set<Int>(minimumCapacity: m)
            for j in (population - m)..<population {
                let t = rng.nextIndex(below: j + 1)
                if !chosen.insert(t).inserted { chosen.insert(j) }
            }
            return chosen.sorted().map { Int32($0) }
        }
    }
}
