import FedRecData
import FedRecExperiments
import FedRecFederation
import FedRecMath
import FedRecPrivacy
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A small study on a small synthetic data set: seconds in a debug build.
enum SweepFixture {
    static let data: RatingsDataset = {
        let config = SyntheticConfig(users: 60, items: 80, meanRatingsPerUser: 25, minRatingsPerUser: 20, maxRatingsPerUser: 40, seed: 9)
        return try! SyntheticData(config: config).dataset
    }()

    static func spec(epsilons: [Double] = [2, .infinity], seeds: [UInt64] = [1, 2], clips: [Double] = [0.5]) throws -> SweepSpec {
        let grid = try SweepGrid(epsilons: epsilons, trusts: [.distributed], clips: clips,
                                 schedules: [SweepSchedule(samplingRate: 0.5, rounds: 4)], seeds: seeds)
        let sim = try SimulationConfig(rounds: 4, sampling: .poisson(rate: 0.5), dim: 4, evaluateEvery: 2, seed: 0, threads: 1)
        return SweepSpec(title: "Test sweep", data: "synthetic test data (60 users)", split: "per-user holdout 0.1", baseline: "fake baseline",
                         simulation: sim, delta: 1e-4, accountant: .rdp, placement: .aggregate, minimumUpdates: nil,
                         seededNoise: true, grid: grid)
    }

    static func split(_ seed: UInt64) -> DataSplit {
        var rng = SeededGenerator(seed: seed, stream: [0x5B17])
        return DataSplit.forEvaluation(data, testFraction: 0.1, using: &rng)
    }

    /// A fresh empty folder under the temporary directory.
    static func folder(_ name: String) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fedrec-sweep-\(name)-\(UUID().uuidString)")
        return url
    }
}

/// A parsed XML element, to check SVG output structurally.
final class XMLNode {
    let name: String
    let attributes: [String: String]
    var children: [XMLNode] = []
    var text = ""

    init(name: String, attributes: [String: String]) {
        self.name = name
        self.attributes = attributes
    }

    var classes: Set<String> { Set((attributes["class"] ?? "").split(separator: " ").map(String.init)) }
    var descendants: [XMLNode] { children.flatMap { [$0] + $0.descendants } }

    /// Parses `xml`; throws when it is not well-formed.
    static func parse(_ xml: String) throws -> XMLNode {
        let delegate = Delegate()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = delegate
        guard parser.parse(), let root = delegate.root else {
            throw ExperimentError(.corruptResults, "XML not well-formed at line \(parser.lineNumber)")
        }
        return root
    }

    private final class Delegate: NSObject, XMLParserDelegate {
        var root: XMLNode?
        var stack: [XMLNode] = []
        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
            let node = XMLNode(name: elementName, attributes: attributeDict)
            if let parent = stack.last { parent.children.append(node) } else { root = node }
            stack.append(node)
        }
        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            stack.removeLast()
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { stack.last?.text += string }
    }
}
