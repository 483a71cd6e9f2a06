import Foundation
import FedRecReport

/// Charts shared by several tests: the shape of a real ε sweep and of learning curves.
enum ExampleCharts {
    static let epsilons: [Double] = [0.5, 1, 2, 4, 8, 16]

    /// RMSE vs ε for two trust models with mean ± std, a non-private point at ∞ and two reference lines.
    static func sweep() -> LineChart {
        var chart = LineChart(title: "RMSE vs privacy budget (synthetic, 10,000 users)", xLabel: "ε (user-level, δ = 1e-6)", yLabel: "test RMSE", xScale: .log10)
        chart.series.append(.init("distributed DP", x: epsilons + [.infinity], y: [1.21, 1.08, 1.0, 0.962, 0.945, 0.938, 0.931], error: [0.03, 0.02, 0.012, 0.008, 0.006, 0.005, 0.004]))
        chart.series.append(.init("local DP", x: epsilons + [.infinity], y: [1.35, 1.29, 1.2, 1.1, 1.02, 0.97, 0.931], error: [0.04, 0.03, 0.02, 0.015, 0.01, 0.008, 0.004]))
        chart.referenceLines = [.init("centralized", y: 0.915), .init("federated, non-private", y: 0.931)]
        return chart
    }

    /// Test RMSE per round for three ε, linear x, no markers.
    static func learningCurves() -> LineChart {
        var chart = LineChart(title: "Learning curves", xLabel: "round", yLabel: "test RMSE")
        for (index, epsilon) in [1.0, 4.0, 16.0].enumerated() {
            let rounds = Array(stride(from: 0.0, through: 200, by: 10))
            let rmse = rounds.map { 0.93 + (0.4 - 0.1 * Double(index)) * 1 / (1 + $0 / 25) + 0.02 / epsilon }
            chart.series.append(.init("ε = \(Int(epsilon))", x: rounds, y: rmse, showsMarkers: false))
        }
        return chart
    }

    /// HR@10 vs population size at fixed ε: a wide log axis (powers of ten), data below the references.
    static func population() -> LineChart {
        var chart = LineChart(title: "HR@10 vs population at ε = 1", xLabel: "users", yLabel: "HR@10", xScale: .log10)
        let users: [Double] = [1_000, 3_000, 10_000, 30_000, 100_000, 300_000, 1_000_000]
        let names = ["NeuMF, distributed", "NeuMF, local", "MF, distributed", "MF, local", "MF, central", "NeuMF, central", "MF (no momentum)", "NeuMF (no momentum)"]
        for (index, name) in names.enumerated() {
            let hr = users.map { 0.62 - 0.35 / (1 + $0 / (5_000 * Double(index + 1))) }
            chart.series.append(.init(name, x: users, y: hr, error: users.map { 0.04 / Foundation.sqrt($0 / 1_000) }))
        }
        chart.referenceLines = [.init("centralized", y: 0.64), .init("federated, non-private", y: 0.63), .init("popularity", y: 0.35)]
        return chart
    }
}
