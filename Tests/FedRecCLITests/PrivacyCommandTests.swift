import Testing
@testable import FedRecCLI

@Suite struct PrivacyCommandTests {
    @Test func epsilonJSONHasContractKeysAndMatchesClosedFormAtFullSampling() throws {
        let run = runInProcess(["privacy", "epsilon", "--noise-multiplier", "5", "--sampling-rate", "1",
                                "--steps", "10", "--delta", "1e-5", "--accountant", "rdp", "--json"])
        #expect(run.status == 0)
        let json = try run.json()
        let epsilon = try #require(json["epsilon"] as? Double)
        let exact = try #require(json["exact_gaussian_epsilon"] as? Double)
        #expect(json["delta"] as? Double == 1e-5)
        #expect(json["accountant"] as? String == "rdp")
        // RDP is an upper bound on the exact ε and, for the Gaussian, within a few percent of it.
        #expect(epsilon >= exact && epsilon < exact * 1.1)
    }

    @Test func calibrateReturnsNoiseWhoseEpsilonMeetsTheTarget() throws {
        let run = runInProcess(["privacy", "calibrate", "--target-epsilon", "2", "--sampling-rate", "0.05",
                                "--steps", "200", "--delta", "1e-5", "--json"])
        #expect(run.status == 0)
        let json = try run.json()
        let z = try #require(json["noise_multiplier"] as? Double)
        let epsilon = try #require(json["epsilon"] as? Double)
        #expect(epsilon <= 2 && epsilon > 1.98)
        let check = try runInProcess(["privacy", "epsilon", "--noise-multiplier", "\(z)", "--sampling-rate", "0.05",
                                      "--steps", "200", "--delta", "1e-5", "--json"]).json()
        let recomputed = try #require(check["epsilon"] as? Double)
        #expect(abs(recomputed - epsilon) <= 1e-9 * epsilon)
    }

    @Test func missingOrInvalidParametersAreUsageErrors() {
        let missing = runInProcess(["privacy", "epsilon", "--sampling-rate", "0.1", "--steps", "10", "--delta", "1e-5"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("missing required option '--noise-multiplier'"))
        let badDelta = runInProcess(["privacy", "epsilon", "--noise-multiplier", "1", "--sampling-rate", "0.1",
                                     "--steps", "10", "--delta", "1"])
        #expect(badDelta.status == 2)
        #expect(badDelta.stderr.contains("'--delta' got '1'; expected a number in (0, 1)"))
    }

    @Test func unreachableTargetIsARuntimeErrorWithAdvice() {
        let run = runInProcess(["privacy", "calibrate", "--target-epsilon", "0.0001", "--sampling-rate", "1",
                                "--steps", "10000", "--delta", "1e-10", "--accountant", "rdp"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("unreachable"))
    }
}
