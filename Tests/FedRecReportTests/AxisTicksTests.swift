import Foundation
import Testing
@testable import FedRecReport

@Suite("Axis ticks")
struct AxisTicksTests {
    @Test(arguments: [(0.0, 1.0), (0.9, 1.41), (-3.0, 7.0), (1.0, 100.0), (1e-6, 3e-6), (5.0, 5.0), (1e9, 3e9), (-0.02, -0.01)])
    func linearTicksAreEvenOneTwoFiveStepsCoveringTheData(lo: Double, hi: Double) {
        let axis = AxisTicks.linear(min: lo, max: hi, padding: 0)
        #expect(axis.lower <= lo && axis.upper >= hi)
        let values = axis.ticks.map(\.value)
        #expect((3...12).contains(values.count), "\(values)")
        let step = values[1] - values[0]
        let mantissa = step / Foundation.pow(10, Foundation.log10(step).rounded(.down))
        #expect([1.0, 2.0, 5.0].contains { abs($0 - mantissa) < 1e-6 }, "step \(step)")
        for (a, b) in zip(values, values.dropFirst()) { #expect(abs((b - a) - step) <= step * 1e-9) }
        #expect(Set(axis.ticks.compactMap(\.label)).count == values.count, "distinct labels \(axis.ticks.compactMap(\.label))")
    }

    @Test func linearLabelsHaveTheStepsDecimals() {
        #expect(AxisTicks.linear(min: 0.9, max: 1.4, padding: 0).ticks.compactMap(\.label) == ["0.9", "1.0", "1.1", "1.2", "1.3", "1.4"])
        #expect(AxisTicks.linear(min: 1e-6, max: 3e-6, padding: 0).ticks.compactMap(\.label).first == "1e-6")
    }

    @Test func logDomainSnapsToOneToNineTimesAPowerOfTen() {
        let axis = AxisTicks.log10(min: 0.5, max: 8)
        #expect(axis.lower == 0.4)
        #expect(axis.upper == 10)
        #expect(axis.ticks.filter(\.isMajor).map(\.value) == [1, 10])
        #expect(abs(axis.fraction(1) - (Foundation.log10(1) - Foundation.log10(0.4)) / (1 - Foundation.log10(0.4))) < 1e-12)
    }

    @Test func superscriptsCoverNegativeExponents() {
        #expect(DecimalFormatting.superscript(-12) == "⁻¹²")
        #expect(DecimalFormatting.superscript(6) == "⁶")
    }
}
