import FedRecData
import FedRecExperiments
import FedRecFederation
import FedRecMath
import FedRecPrivacy
@testable import FedRecServer
import Foundation
import Testing

/// Adaptive clipping (Andrew et al. 2021) on the aggregation server: C_t published at check-in,
/// the clients' bits summed and noised as in process, C checkpointed.
@Suite("FederatedRoundCoordinator, adaptive clipping")
struct AdaptiveClippingCoordinatorTests {
    typealias F = FederationFixture

    /// σ_b = 1 (2σ_b > z = 1), γ = 0.5, η = 0.2.
    static let settings = AdaptiveClippingSettings(targetQuantile: 0.5, learningRate: 0.2, countNoiseStddev: 1)

    static func setup(trust: TrustModel = .central, adaptive: AdaptiveClippingSettings? = settings) throws -> FederationSetup {
        var s = try F.setup(population: 40, privacy: try F.privacy(trust: trust, population: 40, m: trust == .distributed ? 1 : nil))
        s.adaptiveClipping = adaptive
        return s
    }

    /// Submits `value` everywhere for every participant of the open round, each with bit `bit`.
    static func completeRound(_ c: FederatedRoundCoordinator, value: Float = 0.01, bit: Int = 1) throws -> Int {
        let round = c.status().round
        let participants = F.participants(c.setup, round: round)
        for k in participants {
            _ = try c.submitUpdate(clientID: "user-\(k)", round: round, update: F.update(c, round: round, value: value), unclipped: bit)
        }
        return participants.count
    }

    @Test("an unclipped bit other than 0 or 1, or none, is refused under adaptive clipping; a fixed-C run refuses any bit")
    func refusesBadBits() throws {
        let c = try FederatedRoundCoordinator(setup: try Self.setup())
        let round = c.status().round
        let k = try #require(F.participants(c.setup, round: round).first)
        let update = F.update(c, round: round)
        for bad in [2, -1, nil] as [Int?] {
            #expect(code { _ = try c.submitUpdate(clientID: "user-\(k)", round: round, update: update, unclipped: bad) } == .badRequest)
        }
        // Nothing refused was recorded: the round is as it was, and the client can still submit once.
        #expect(c.status().received == 0 && c.status().round == round)
        _ = try c.submitUpdate(clientID: "user-\(k)", round: round, update: update, unclipped: 0)

        let fixed = try FederatedRoundCoordinator(setup: try Self.setup(adaptive: nil))
        let j = try #require(F.participants(fixed.setup, round: 1).first)
        #expect(code { _ = try fixed.submitUpdate(clientID: "user-\(j)", round: 1, update: F.update(fixed, round: 1), unclipped: 1) } == .badRequest)
        let ticket = try fixed.checkIn(clientID: "user-\(j)")
        #expect(fixed.adaptiveClipBound == nil && ticket.clipBound == nil && fixed.status().clipBound == nil)
    }

    @Test("check-in publishes C_t; the plan publishes z_Δ; a round moves C by the noised count drawn from stream [2⁶⁴−3, t]")
    func boundMovesAsInProcess() throws {
        let setup = try Self.setup()
        let c = try FederatedRoundCoordinator(setup: setup)
        let plan = try #require(setup.privacy)
        #expect(try c.checkIn(clientID: "user-0").clipBound == plan.mechanism.clipBound)
        #expect(c.trainingPlan?.adaptiveClipping == true)
        let zDelta = 1 / (1 / (plan.mechanism.noiseMultiplier * plan.mechanism.noiseMultiplier) - 1.0 / 4).squareRoot()
        #expect(abs((c.trainingPlan?.noiseMultiplier ?? 0) - zDelta) < 1e-12)
        #expect(c.trainingPlan?.clipBound == plan.mechanism.clipBound)

        // First every update unclipped (C shrinks), then every update clipped (C grows).
        var bits: [UInt64: Int] = [:]
        var seen: [Double] = [plan.mechanism.clipBound]
        for bit in [1, 0] {
            bits[c.status().round] = bit
            _ = try Self.completeRound(c, bit: bit)
            seen.append(try #require(c.adaptiveClipBound))
            #expect(try c.checkIn(clientID: "user-0").clipBound == seen.last)
            #expect(c.status().clipBound == seen.last, "the status shows C_t too")
        }
        #expect(seen[1] < seen[0] && seen[2] > seen[1])
        // Replay: every released round (central trust: all of them) noises its count from [2⁶⁴−3, t].
        var expected = try AdaptiveClipping(initialClipBound: plan.mechanism.clipBound, targetQuantile: 0.5, learningRate: 0.2, countNoiseStddev: 1)
        #expect(!c.history.isEmpty && c.history.allSatisfy(\.released))
        for r in c.history {
            var rng = SeededGenerator(seed: setup.simulation.seed, stream: [UInt64.max - 2, r.round])
            expected.update(unclippedCount: Double(r.received * (bits[r.round] ?? 0)), bitsSummed: r.received, expectedParticipants: 0.3 * 40, using: &rng)
        }
        #expect(c.adaptiveClipBound == expected.clipBound)
        #expect(c.history.first?.clipBound == plan.mechanism.clipBound)
    }

    @Test("under central trust an update is checked against the round's C_t, not the initial C")
    func centralCheckUsesCurrentBound() throws {
        let c = try FederatedRoundCoordinator(setup: try Self.setup())
        _ = try Self.completeRound(c, bit: 1)
        let bound = try #require(c.adaptiveClipBound)
        let initial = 0.5
        try #require(bound < initial * 0.95)
        let round = c.status().round
        let k = try #require(F.participants(c.setup, round: round).first)
        let count = Float(c.parameterCount)
        let between = Float((bound + initial) / 2) / count.squareRoot()
        #expect(code { _ = try c.submitUpdate(clientID: "user-\(k)", round: round, update: F.update(c, round: round, value: between), unclipped: 0) } == .clipBoundExceeded)
        let within = Float(bound * 0.9) / count.squareRoot()
        _ = try c.submitUpdate(clientID: "user-\(k)", round: round, update: F.update(c, round: round, value: within), unclipped: 1)
    }

    @Test("a checkpointed run resumes with the same clip bound")
    func resumeKeepsBound() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let setup = try Self.setup(trust: .distributed)
        let a = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path)
        _ = try Self.completeRound(a, bit: 1)
        _ = try Self.completeRound(a, bit: 1)
        let bound = try #require(a.adaptiveClipBound)
        #expect(bound != setup.privacy!.mechanism.clipBound)
        let b = try FederatedRoundCoordinator(setup: setup, stateDirectory: dir.path)
        #expect(b.status().round == a.status().round)
        #expect(b.adaptiveClipBound == bound)
        #expect(try b.checkIn(clientID: "user-0").clipBound == bound)
        #expect(b.parameters == a.parameters)
        // The same directory under a fixed C is another run: refused.
        #expect(code { _ = try FederatedRoundCoordinator(setup: try Self.setup(trust: .distributed, adaptive: nil), stateDirectory: dir.path) } == .setupMismatch)
    }

    @Test("adaptive settings are in the fingerprint; a setup.json without them loads as a fixed-C run with its old fingerprint")
    func setupCompatibility() throws {
        let fixed = try Self.setup(adaptive: nil)
        let adaptive = try Self.setup()
        var other = adaptive
        other.adaptiveClipping?.targetQuantile = 0.6
        #expect(!fixed.fingerprint.contains("adaptive"))
        #expect(Set([fixed.fingerprint, adaptive.fingerprint, other.fingerprint]).count == 3)
        let json = try JSONEncoder().encode(fixed)
        #expect(!String(decoding: json, as: UTF8.self).contains("adaptiveClipping"))
        let decoded = try JSONDecoder().decode(FederationSetup.self, from: json)
        #expect(decoded.adaptiveClipping == nil && decoded == fixed)
        let round = try JSONDecoder().decode(FederationSetup.self, from: try JSONEncoder().encode(adaptive))
        #expect(round == adaptive)
        // Adaptive clipping needs privacy, and a σ_b large enough for z.
        var noDP = adaptive
        noDP.privacy = nil
        #expect(code { try noDP.validate() } == .badRequest)
        var small = adaptive
        small.adaptiveClipping?.countNoiseStddev = 0.1
        #expect(code { try small.validate() } == .badRequest)
    }

    @Test("the plan lets a client recover the accounted z; a client floor is checked against it, and a floor against the server itself refuses the bit")
    func clientFloorUsesAccountedZ() throws {
        let privacy = try ClientRunnerEndingTests.privacy(.distributed, m: 2)
        let plan = try #require(try FederatedRoundCoordinator(setup: try Self.setup(trust: .distributed)).trainingPlan)
        let accounted = try #require(try plan.accountedMechanism())
        #expect(abs(accounted.noiseMultiplier - 1) < 1e-12)
        #expect(try #require(plan.noiseMultiplier) > 1.15)
        // z_Δ ≈ 1.155 would pass a floor of 1.1, the accounted z = 1 does not: refused, nothing sent.
        for floor in [try ClientPrivacyRequirements(minimumNoiseMultiplier: 1.1), try ClientPrivacyRequirements(requireOwnNoise: true)] {
            let server = try ClientRunnerEndingTests.Server(privacy: privacy, adaptive: Self.settings)
            defer { server.service.shutdown() }
            #expect(code { _ = try server.runner(floor).run() } == .weakPlan)
            #expect((server.acceptedUpdates ?? 0) == 0)
        }
        // A floor the accounted z meets: the run completes and C moved.
        let server = try ClientRunnerEndingTests.Server(privacy: privacy, adaptive: Self.settings)
        defer { server.service.shutdown() }
        let outcome = try server.runner(try ClientPrivacyRequirements(minimumNoiseMultiplier: 0.99)).run()
        #expect(outcome.endState == "finished" && outcome.updatesSubmitted > 0 && outcome.updatesRefused == 0)
        #expect(try #require(server.coordinator.adaptiveClipBound) != 0.5)
    }

    private func code(_ body: () throws -> Void) -> ServerError.Code? {
        do { try body() } catch let e as ServerError { return e.code } catch { return nil }
        return nil
    }
}
