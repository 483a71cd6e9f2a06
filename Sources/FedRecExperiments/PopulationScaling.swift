import FedRecReport
import Foundation

/// The cost of privacy as a function of population size: several sweeps that differ only in the
/// number of users, summarized as the relative RMSE increase over the non-private federated run
/// at each ε — the chart of `Simulations/population-scaling`.
///
/// For a fixed (ε, δ, q, T) the calibrated noise multiplier z does not depend on the population N,
/// so the noise on the averaged update, z·C/(qN), falls as 1/N; this chart shows how much of that
/// reaches the model's accuracy.
public struct PopulationScaling: Sendable {
    /// One sweep and its population.
    public struct Study: Sendable {
        /// Number of users (clients).
        public var population: Int
        /// The sweep's completed rows.
        public var records: [SweepRecord]

        /// Creates a study.
        public init(population: Int, records: [SweepRecord]) {
            self.population = population
            self.records = records
        }
    }

    /// The sweeps, in any order.
    public var studies: [Study]

    /// Creates a summary.
    public init(studies: [Study]) { self.studies = studies.sorted { $0.population < $1.population } }

    /// Reads the rows of a sweep's `results.csv`.
    /// - Throws: ``ExperimentError`` `corruptResults` for an unreadable or damaged file.
    public static func records(in csv: URL) throws -> [SweepRecord] {
        let table: CSVTable
        do { table = try CSVTable(contentsOfFile: csv.path) } catch {
            throw ExperimentError(.corruptResults, "\(error)")
        }
        return try SweepRecord.records(in: table, file: csv.path)
    }

    /// Relative RMSE increase (in %) of the private runs at `epsilon` over the non-private runs of the
    /// same study, means over seeds; nil when either is missing.
    public func costPercent(_ study: Study, epsilon: Double) -> Double? {
        let fed = study.records.filter { $0.kind == .federated }
        let priv = fed.filter { $0.point.epsilon == epsilon }.compactMap(\.rmse)
        let open = fed.filter { !$0.point.isPrivate }.compactMap(\.rmse)
        guard !priv.isEmpty, !open.isEmpty else { return nil }
        return (SweepReport.meanStd(priv).mean / SweepReport.meanStd(open).mean - 1) * 100
    }

    /// The chart: x = population (log scale), y = RMSE increase over non-private (%), one series per ε.
    public func chart(epsilons: [Double]) -> LineChart {
        var chart = LineChart(title: "Cost of user-level privacy vs population", xLabel: "users (log scale)",
                              yLabel: "RMSE increase over non-private federated (%)", xScale: .log10)
        for e in epsilons {
            let points = studies.compactMap { s in costPercent(s, epsilon: e).map { LineChart.Point(x: Double(s.population), y: $0) } }
            if !points.isEmpty { chart.series.append(.init("ε = \(ReportFormat.general(e))", points: points)) }
        }
        chart.referenceLines = [.init("no cost", y: 0)]
        chart.accessibleDescription = "Relative increase of held-out RMSE caused by user-level DP, by population size."
        return chart
    }

    /// A markdown table with the same numbers.
    public func table(epsilons: [Double]) -> MarkdownTable {
        var t = MarkdownTable(columns: [.init("users", alignment: .right)] + epsilons.map { .init("ε = \(ReportFormat.general($0))", alignment: .right) })
        for s in studies {
            t.append([String(s.population)] + epsilons.map { e in costPercent(s, epsilon: e).map { String(format: "%+.1f%%", $0) } ?? "–" })
        }
        return t
    }
}
