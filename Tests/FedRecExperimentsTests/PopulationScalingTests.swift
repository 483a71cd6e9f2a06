import FedRecExperiments
import Foundation
import Testing

@Suite("Population scaling summary")
struct PopulationScalingTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Simulations/population-scaling")

    /// The committed studies (results.csv of each population).
    static func summary() throws -> PopulationScaling {
        let studies = try [1000, 10_000, 100_000, 1_000_000].map { n in
            PopulationScaling.Study(population: n, records: try PopulationScaling.records(
                in: folder.appendingPathComponent("reports/users-\(n)/results.csv")))
        }
        return PopulationScaling(studies: studies)
    }

    @Test("The committed chart is what the committed results give (set FEDREC_UPDATE_REPORTS=1 to rewrite it)")
    func committedChartIsRegenerated() throws {
        let svg = try Self.summary().chart(epsilons: [1, 8]).render()
        let url = Self.folder.appendingPathComponent("cost_vs_population.svg")
        if ProcessInfo.processInfo.environment["FEDREC_UPDATE_REPORTS"] == "1" {
            try Data(svg.utf8).write(to: url, options: .atomic)
        }
        let committed = try String(contentsOf: url, encoding: .utf8)
        #expect(committed == svg)
        let root = try XMLNode.parse(svg)
        let text = root.descendants.map(\.text).joined(separator: "|")
        #expect(text.contains("ε = 1") && text.contains("ε = 8"))
    }

    @Test("The cost of privacy falls as the population grows")
    func costFallsWithPopulation() throws {
        let s = try Self.summary()
        let costs = s.studies.compactMap { s.costPercent($0, epsilon: 1) }
        #expect(costs.count == 4)
        #expect(zip(costs, costs.dropFirst()).allSatisfy { $0 > $1 })
        #expect(costs.last! < 5)
    }
}
