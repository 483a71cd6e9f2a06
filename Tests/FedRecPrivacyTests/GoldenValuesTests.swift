import Testing
@testable import FedRecPrivacy

/// Agreement with dp_accounting 0.6 (see GoldenFixture).
@Suite struct GoldenValuesTests {
    let fixture = GoldenFixture.shared

    @Test func integerOrderTermsMatchDpAccountingExactly() {
        for row in fixture.rdp_log_a_integer {
            let ours = SampledGaussianRDP.logAInteger(samplingRate: row.q, noiseMultiplier: row.z, order: Int(row.order))
            #expect(abs(ours - row.log_a) <= 1e-12 * max(1, abs(row.log_a)), "q=\(row.q) z=\(row.z) α=\(row.order): \(ours) vs \(row.log_a)")
        }
    }

    @Test func fractionalOrderTermsMatchHighPrecisionIntegration() throws {
        let fractional = fixture.rdp_log_a_fractional
        let rows = try #require(fractional, "fixture lacks rdp_log_a_fractional")
        for row in rows {
            let ours = SampledGaussianRDP.logAFractional(samplingRate: row.q, noiseMultiplier: row.z, order: row.order)
            // Never below the true value (an understated RDP is a privacy bug), and above it by no more
            // than the deliberate rounding up (relative 1e-9) plus quadrature error.
            let label = "q=\(row.q) z=\(row.z) α=\(row.order): \(ours) vs \(row.log_a)"
            #expect(ours >= row.log_a, "\(label)")
            #expect(ours <= row.log_a * (1 + 3e-9) + 1e-16, "\(label)")
            // dp_accounting's series, where it converges, never understates the true value by more than rounding.
            if let series = row.dp_accounting_series, series.isFinite {
                #expect(series >= row.log_a - 1e-9 * abs(row.log_a) - 1e-15)
            }
        }
    }

    @Test func rdpIsNeverLooserThanDpAccountingByMoreThanHalfAPercent() throws {
        for c in fixture.cases {
            var acc = RDPAccountant()
            try acc.compose(PrivacyEvent.sampledGaussian(noiseMultiplier: c.z, samplingRate: c.q, steps: c.steps))
            for delta in fixture.deltas {
                let theirs = try #require(c.rdp_epsilon[String(describing: delta)])
                let ours = try acc.epsilon(delta: delta)
                #expect(ours <= theirs * 1.005 + 1e-12, "q=\(c.q) z=\(c.z) T=\(c.steps) δ=\(delta): ours \(ours) theirs \(theirs)")
            }
        }
    }

    /// PLD cases cheap enough for a debug build unless FEDREC_FULL_GOLDEN=1.
    var pldCases: [GoldenFixture.Case] {
        fixture.cases.filter { c in
            c.pld_epsilon != nil && (GoldenFixture.fullGrid || c.q == 1 || (c.z >= 2 && c.q <= 0.01) || (c.z >= 1 && c.steps == 1 && c.q <= 0.01))
        }
    }

    @Test func pldIsWithinOnePercentOfDpAccountingAndNeverMoreThanATenthBelow() throws {
        #expect(pldCases.count >= 12)
        for c in pldCases {
            var pld = PLDAccountant()
            try pld.compose(PrivacyEvent.sampledGaussian(noiseMultiplier: c.z, samplingRate: c.q, steps: c.steps))
            var rdp = RDPAccountant()
            try rdp.compose(PrivacyEvent.sampledGaussian(noiseMultiplier: c.z, samplingRate: c.q, steps: c.steps))
            for delta in fixture.deltas {
                let theirs = try #require(c.pld_epsilon?[String(describing: delta)])
                let ours = try pld.epsilon(delta: delta)
                let label = "q=\(c.q) z=\(c.z) T=\(c.steps) δ=\(delta): ours \(ours) theirs \(theirs)"
                #expect(abs(ours - theirs) <= 0.01 * theirs + 1e-9, "\(label)")
                if c.q < 1 {
                    #expect(ours >= theirs * 0.999 - 1e-9, "\(label)")
                }
                #expect(ours <= (try rdp.epsilon(delta: delta)) + 1e-12, "\(label): PLD above RDP")
            }
        }
    }

    @Test func calibrationAgreesWithDpAccounting() throws {
        for c in fixture.calibrations where GoldenFixture.fullGrid || c.accountant == "rdp" || c.steps == 1 {
            let kind = try #require(AccountantKind(rawValue: c.accountant))
            let result = try NoiseCalibration.calibrate(targetEpsilon: c.target_epsilon, delta: c.delta, samplingRate: c.q,
                                                        steps: c.steps, accountant: kind)
            #expect(result.epsilon <= c.target_epsilon)
            // Within 0.1% (our tolerance) plus the difference of the accountants themselves (≤ 1%).
            #expect(abs(result.noiseMultiplier / c.noise_multiplier - 1) < 0.012,
                    "\(c.accountant) ε=\(c.target_epsilon) δ=\(c.delta) q=\(c.q) T=\(c.steps): ours \(result.noiseMultiplier) theirs \(c.noise_multiplier)")
        }
    }
}
