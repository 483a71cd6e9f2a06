import Testing
@testable import FedRecReport

@Suite("Number formatting")
struct ReportFormatTests {
    @Test(arguments: [
        (0.91234, 3, "0.912"), (0.9125, 3, "0.913"), (-1.5, 0, "-2"), (2.5, 0, "3"), (-0.0001, 2, "0.00"),
        (1234.5, 1, "1234.5"), (0.05, 4, "0.0500"), (Double.infinity, 2, "∞"), (-Double.infinity, 2, "−∞"), (Double.nan, 2, "n/a"),
    ])
    func fixedRoundsHalfAwayFromZero(value: Double, decimals: Int, expected: String) {
        #expect(ReportFormat.fixed(value, decimals: decimals) == expected)
    }

    @Test func meanStdJoinsWithPlusMinus() {
        #expect(ReportFormat.meanStd(0.95123, 0.00312, decimals: 4) == "0.9512 ± 0.0031")
        #expect(ReportFormat.meanStd(0.95123, nil, decimals: 2) == "0.95")
    }

    @Test(arguments: [
        (1e-5, "1e-5"), (0.0123456, "0.01235"), (123.456, "123.5"), (9.99996, "10"), (0, "0"), (-2.5e8, "-2.5e8"),
        (1_000_000, "1000000"), (12_345_678, "1.235e7"), (0.00099999, "0.001"), (Double.infinity, "∞"),
    ])
    func generalUsesSignificantDigits(value: Double, expected: String) {
        #expect(ReportFormat.general(value) == expected)
    }
}
