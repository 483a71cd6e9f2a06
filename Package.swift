// swift-tools-version:6.0
// FedRec: federated, differentially private recommenders. No package dependencies by design:
// everything here builds with the Swift toolchain alone.
import PackageDescription

let strict: [SwiftSetting] = [.unsafeFlags(["-warnings-as-errors"], .when(configuration: .debug))]
/// The numeric modules are optimized even in debug builds: their tests (accountants, training,
/// simulations) would otherwise run 10–50× slower, and nobody steps through an FFT in a debugger.
let numeric: [SwiftSetting] = [.unsafeFlags(["-warnings-as-errors", "-O"], .when(configuration: .debug))]

let package = Package(
    name: "FedRec",
    products: [
        .executable(name: "fedrec", targets: ["fedrec"]),
        .library(name: "FedRecFederation", targets: ["FedRecFederation"]),
    ],
    targets: [
        .target(name: "FedRecMath", swiftSettings: numeric),
        .target(name: "FedRecData", dependencies: ["FedRecMath"], swiftSettings: numeric),
        .target(name: "FedRecModels", dependencies: ["FedRecData", "FedRecMath"], swiftSettings: numeric),
        .target(name: "FedRecPrivacy", dependencies: ["FedRecMath"], swiftSettings: numeric),
        .target(name: "FedRecFederation", dependencies: ["FedRecModels", "FedRecPrivacy"], swiftSettings: numeric),
        .target(name: "FedRecHTTP", dependencies: ["FedRecReport"], swiftSettings: strict),
        .target(name: "FedRecServer", dependencies: ["FedRecFederation", "FedRecHTTP", "FedRecReport"], swiftSettings: strict),
        .target(name: "FedRecReport", swiftSettings: strict),
        .target(name: "FedRecExperiments", dependencies: ["FedRecFederation", "FedRecReport"], swiftSettings: strict),
        .target(name: "FedRecHarness", dependencies: ["FedRecServer", "FedRecExperiments", "FedRecHTTP", "FedRecFederation", "FedRecModels", "FedRecPrivacy", "FedRecData", "FedRecMath"], swiftSettings: strict),
        .target(name: "FedRecCLI", dependencies: ["FedRecHarness", "FedRecExperiments", "FedRecServer", "FedRecHTTP", "FedRecFederation", "FedRecModels", "FedRecPrivacy", "FedRecData"], swiftSettings: strict),
        .executableTarget(name: "fedrec", dependencies: ["FedRecCLI"], swiftSettings: strict),

        .testTarget(name: "FedRecMathTests", dependencies: ["FedRecMath"]),
        .testTarget(name: "FedRecDataTests", dependencies: ["FedRecData"], resources: [.copy("Fixtures")]),
        .testTarget(name: "FedRecModelsTests", dependencies: ["FedRecModels"]),
        .testTarget(name: "FedRecPrivacyTests", dependencies: ["FedRecPrivacy"], resources: [.copy("Fixtures")]),
        .testTarget(name: "FedRecFederationTests", dependencies: ["FedRecFederation"]),
        .testTarget(name: "FedRecHTTPTests", dependencies: ["FedRecHTTP"]),
        .testTarget(name: "FedRecServerTests", dependencies: ["FedRecServer", "FedRecHTTP"]),
        .testTarget(name: "FedRecHarnessTests", dependencies: ["FedRecHarness", "FedRecServer"]),
        .testTarget(name: "FedRecReportTests", dependencies: ["FedRecReport"]),
        .testTarget(name: "FedRecExperimentsTests", dependencies: ["FedRecExperiments"]),
        .testTarget(name: "FedRecCLITests", dependencies: ["FedRecCLI", "FedRecHarness", "FedRecHTTP"], resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)
