import Foundation
import Testing
@testable import FedRecPrivacy

/// A client's own floor on the server's published plan.
@Suite struct ClientPrivacyRequirementsTests {
    static func mechanism(z: Double = 1, c: Double = 0.5, trust: TrustModel = .distributed, m: Int = 16) throws -> GaussianMechanism {
        try GaussianMechanism(noiseMultiplier: z, clipBound: c, trust: trust, minimumUpdates: trust == .distributed ? m : 1)
    }

    static func refusal(_ r: ClientPrivacyRequirements, _ mech: GaussianMechanism?, placement: NoisePlacement = .perParty,
                        rounds: Int = 100) -> String? {
        do { try r.check(mech, placement: placement, rounds: rounds); return nil } catch let e as PrivacyError {
            #expect(e.code == .weakPlan)
            return e.message
        } catch { return "\(error)" }
    }

    @Test func noRequirementsAcceptEveryPlanEvenANonPrivateOne() throws {
        let none = try ClientPrivacyRequirements()
        #expect(none.isEmpty)
        #expect(Self.refusal(none, nil) == nil)
        #expect(Self.refusal(none, try Self.mechanism(trust: .central), placement: .aggregate) == nil)
    }

    @Test func anyRequirementRefusesANonPrivatePlan() throws {
        let r = try ClientPrivacyRequirements(minimumNoiseMultiplier: 0.5)
        #expect(Self.refusal(r, nil)?.contains("not private") == true)
    }

    @Test func requiringOwnNoiseRefusesCentralTrustAndAggregatePlacement() throws {
        let r = try ClientPrivacyRequirements(requireOwnNoise: true)
        #expect(Self.refusal(r, try Self.mechanism(trust: .central))?.contains("central trust") == true)
        #expect(Self.refusal(r, try Self.mechanism(), placement: .aggregate)?.contains("aggregate placement") == true)
        #expect(Self.refusal(r, try Self.mechanism()) == nil)
        #expect(Self.refusal(r, try Self.mechanism(trust: .local)) == nil)
    }

    @Test func noiseClipAndMinimumCountAreFloors() throws {
        let r = try ClientPrivacyRequirements(minimumNoiseMultiplier: 1, maximumClipBound: 0.5, minimumUpdates: 16)
        #expect(Self.refusal(r, try Self.mechanism()) == nil, "exactly at every bound passes")
        #expect(Self.refusal(r, try Self.mechanism(z: 0.99))?.contains("z = 0.99") == true)
        #expect(Self.refusal(r, try Self.mechanism(c: 0.6))?.contains("C = 0.6") == true)
        #expect(Self.refusal(r, try Self.mechanism(m: 15))?.contains("m = 15") == true)
        // Local trust is one update per release as far as the server is concerned: m = 1.
        #expect(Self.refusal(r, try Self.mechanism(trust: .local))?.contains("m = 1") == true)
        // Central trust has no m on the client's side; only the z and C floors apply.
        #expect(Self.refusal(r, try Self.mechanism(trust: .central)) == nil)
    }

    /// δ(ε) of μ-GDP, written out independently of ExactGaussianPrivacy with Foundation's erfc.
    static func gaussianDelta(epsilon e: Double, mu: Double) -> Double {
        func phi(_ x: Double) -> Double { 0.5 * erfc(-x / 2.squareRoot()) }
        return phi(-e / mu + mu / 2) - exp(e) * phi(-e / mu - mu / 2)
    }

    @Test func serverViewEpsilonIsTheExactGaussianOfTheComposedUpdates() throws {
        let r = try ClientPrivacyRequirements(delta: 1e-5)
        // Distributed, z = 4, m = 16: each update carries multiplier 4/√16 = 1; T = 9 rounds: μ = 3.
        let e = try #require(r.serverViewEpsilon(try Self.mechanism(z: 4, m: 16), rounds: 9))
        #expect(abs(Self.gaussianDelta(epsilon: e, mu: 3) - 1e-5) < 1e-9)
        // Local trust with z = 1 over 9 rounds is the same Gaussian.
        #expect(r.serverViewEpsilon(try Self.mechanism(z: 1, trust: .local), rounds: 9) == e)
        #expect(r.serverViewEpsilon(try Self.mechanism(trust: .central), rounds: 9) == nil)
    }

    @Test func serverViewBudgetRefusesTooManyRoundsOrTooLittleNoise() throws {
        let r = try ClientPrivacyRequirements(maximumServerViewEpsilon: 20, delta: 1e-5)
        let mech = try Self.mechanism(z: 4, m: 16)
        let e9 = try #require(r.serverViewEpsilon(mech, rounds: 9))
        #expect(e9 < 20, "μ = 3 gives ε ≈ 16.7 at δ = 1e-5")
        #expect(Self.refusal(r, mech, rounds: 9) == nil)
        let refusal = Self.refusal(r, mech, rounds: 10_000)
        #expect(refusal?.contains("10000 rounds") == true)
        #expect(Self.refusal(r, try Self.mechanism(trust: .central))?.contains("no guarantee against the server") == true)
    }

    @Test func invalidRequirementsAreRefused() {
        #expect(throws: PrivacyError.self) { try ClientPrivacyRequirements(minimumNoiseMultiplier: 0) }
        #expect(throws: PrivacyError.self) { try ClientPrivacyRequirements(maximumClipBound: -1) }
        #expect(throws: PrivacyError.self) { try ClientPrivacyRequirements(minimumUpdates: 0) }
        #expect(throws: PrivacyError.self) { try ClientPrivacyRequirements(maximumServerViewEpsilon: .infinity) }
        #expect(throws: PrivacyError.self) { try ClientPrivacyRequirements(delta: 1) }
    }
}
