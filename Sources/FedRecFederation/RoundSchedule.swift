/// The model-independent part of a federated run's configuration: what the engine
/// (``FederatedSimulation``) reads from every model's configuration.
///
/// **Random streams.** With master seed s every generator is `SeededGenerator(seed: s, stream:)`
/// with one of the streams named here, so no two uses share a stream: the initial model
/// ``initialModelStream`` `[2⁶⁴−3]`; round t's sample ``samplingStream(round:)`` `[2⁶⁴−1, t]`; the
/// server's aggregate noise ``serverNoiseStream(round:)`` `[2⁶⁴−2, t]`; adaptive clipping's count
/// noise ``countNoiseStream(round:)`` `[2⁶⁴−3, t]`; client c in round t ``clientStream(client:round:)``
/// `[c, t]`. Models add their own client streams (NeuMF: `[c, 2⁶⁴−4]`, `[c, 2⁶⁴−5]`).
public struct RoundSchedule: Sendable, Hashable {
    /// Number of training rounds T.
    public var rounds: Int
    /// How clients are picked each round.
    public var sampling: ClientSampling
    /// The server optimizer over the flat global vector.
    public var serverOptimizer: ServerOptimizer
    /// Evaluate every k rounds (0: only after the last).
    public var evaluateEvery: Int
    /// The master seed.
    public var seed: UInt64
    /// Worker threads (does not change the results).
    public var threads: Int
    /// The most chunks a round's participants are reduced in (``OrderedReduction``).
    public var reductionChunks: Int

    /// Creates a schedule.
    public init(rounds: Int, sampling: ClientSampling, serverOptimizer: ServerOptimizer, evaluateEvery: Int,
                seed: UInt64, threads: Int, reductionChunks: Int) {
        self.rounds = rounds
        self.sampling = sampling
        self.serverOptimizer = serverOptimizer
        self.evaluateEvery = evaluateEvery
        self.seed = seed
        self.threads = threads
        self.reductionChunks = reductionChunks
    }

    /// The initial model's stream, `[2⁶⁴−3]`.
    public static let initialModelStream: [UInt64] = [UInt64.max - 2]
    /// Round t's participant draw, `[2⁶⁴−1, t]` (seeded selection only).
    public static func samplingStream(round t: UInt64) -> [UInt64] { [UInt64.max, t] }
    /// Round t's server-side (aggregate) noise, `[2⁶⁴−2, t]` (seeded noise only).
    public static func serverNoiseStream(round t: UInt64) -> [UInt64] { [UInt64.max - 1, t] }
    /// Round t's adaptive-clipping count noise, `[2⁶⁴−3, t]` (seeded noise only).
    public static func countNoiseStream(round t: UInt64) -> [UInt64] { [UInt64.max - 2, t] }
    /// Client c's stream in round t, `[c, t]`.
    public static func clientStream(client c: Int, round t: UInt64) -> [UInt64] { [UInt64(c), t] }
}
