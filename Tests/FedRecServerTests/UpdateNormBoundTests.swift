import FedRecData
import FedRecExperiments
import FedRecFederation
import FedRecMath
import FedRecPrivacy
@testable import FedRecServer
import Foundation
import Testing

/// The server's norm check under noise (issue #16, defect 1): C + σ(√d + t), t for p = 10⁻⁹.
@Suite("UpdateNormBound")
struct UpdateNormBoundTests {
    typealias F = FederationFixture

    @Test("the bound is C(1 + 1e-4) + σ(√d + t) with t = √(2 ln(1/p)); σ = 0 under aggregate placement")
    func formula() throws {
        let b = UpdateNormBound(clipBound: 0.5, clientNoiseStddev: 0.25, dimension: 100)
        #expect(abs(b.tailMargin - (2 * log(1e9)).squareRoot()) < 1e-12)
        #expect(abs(b.tailMargin - 6.4379) < 1e-3)
        #expect(abs(b.limit - (0.5 * 1.0001 + 0.25 * (10 + b.tailMargin))) < 1e-12)
        let m = try GaussianMechanism(noiseMultiplier: 2, clipBound: 0.5, trust: .distributed, minimumUpdates: 4)
        #expect(UpdateNormBound(mechanism: m, placement: .perParty, dimension: 9).clientNoiseStddev == 0.5)
        #expect(UpdateNormBound(mechanism: m, placement: .aggregate, dimension: 9).clientNoiseStddev == 0)
    }

    @Test("distributed and local trust refuse an update of 3e38 everywhere with update_norm_exceeded, and the model does not move",
          arguments: [TrustModel.distributed, .local])
    func hugeUpdateRefused(trust: TrustModel) throws {
        let privacy = try F.privacy(trust: trust, m: trust == .distributed ? 2 : nil)
        let c = try FederatedRoundCoordinator(setup: try F.setup(privacy: privacy))
        let round = c.status().round
        let k = try #require(F.participants(c.setup, round: round).first)
        let error = #expect(throws: ServerError.self) {
            _ = try c.submitUpdate(clientID: "user-\(k)", round: round, update: F.update(c, round: round, value: 3e38))
        }
        #expect(error?.code == .updateNormExceeded)
        #expect(error?.code.status == 422)
        #expect(error?.message.contains("σ") == true)
        #expect(c.status().received == 0)
        // The same client may still send an honest update.
        _ = try c.submitUpdate(clientID: "user-\(k)", round: round, update: F.update(c, round: round, value: 0.01))
    }

    @Test("honest clipped and noised updates (a large raw update, seeded noise) are all accepted", arguments: [TrustModel.distributed, .local])
    func honestNoisedUpdatesPass(trust: TrustModel) throws {
        let privacy = try F.privacy(trust: trust, population: 40, m: trust == .distributed ? 2 : nil)
        let c = try FederatedRoundCoordinator(setup: try F.setup(population: 40, privacy: privacy))
        let mechanism = privacy.mechanism
        var rng = SeededGenerator(seed: 11, stream: [UInt64(trust == .local ? 1 : 0)])
        // Rounds of honest clients: raw updates far above C, clipped, then noised as clients do.
        for _ in 0..<3 {
            let round = c.status().round
            guard c.status().state == .open else { break }
            for k in F.participants(c.setup, round: round) {
                var values = [Float](repeating: 50, count: c.parameterCount)
                mechanism.privatizeClientUpdate(&values, placement: .perParty, using: &rng)
                _ = try c.submitUpdate(clientID: "user-\(k)", round: round, update: TensorMessage(round: round, layout: c.modelLayout, values: values))
            }
        }
        #expect(c.history.count >= 3)
    }

    @Test("under adaptive clipping and distributed trust the bound uses the round's C_t")
    func adaptiveUsesCurrentBound() throws {
        var setup = try F.setup(population: 40, privacy: try F.privacy(trust: .distributed, population: 40, m: 1))
        setup.adaptiveClipping = AdaptiveClippingSettings(targetQuantile: 0.5, learningRate: 0.2, countNoiseStddev: 1)
        let c = try FederatedRoundCoordinator(setup: setup)
        // Every update unclipped: C shrinks.
        for _ in 0..<2 {
            let round = c.status().round
            for k in F.participants(c.setup, round: round) {
                _ = try c.submitUpdate(clientID: "user-\(k)", round: round, update: F.update(c, round: round), unclipped: 1)
            }
        }
        let now = try #require(c.adaptiveClipBound)
        let privatizer = try #require(try setup.privatizer(clipBound: now))
        let current = UpdateNormBound(mechanism: privatizer.mechanism, placement: .perParty, dimension: c.parameterCount).limit
        let initial = UpdateNormBound(mechanism: try #require(try setup.privatizer()).mechanism, placement: .perParty, dimension: c.parameterCount).limit
        try #require(current < initial * 0.95)
        let round = c.status().round
        let k = try #require(F.participants(c.setup, round: round).first)
        let between = Float((current + initial) / 2) / Float(c.parameterCount).squareRoot()
        #expect(code { _ = try c.submitUpdate(clientID: "user-\(k)", round: round, update: F.update(c, round: round, value: between), unclipped: 0) } == .updateNormExceeded)
        let within = Float(current * 0.9) / Float(c.parameterCount).squareRoot()
        _ = try c.submitUpdate(clientID: "user-\(k)", round: round, update: F.update(c, round: round, value: within), unclipped: 0)
    }

    private func code(_ body: () throws -> Void) -> ServerError.Code? {
        do { try body() } catch let e as ServerError { return e.code } catch { return nil }
        return nil
    }
}
