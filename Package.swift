// swift-tools-version:6.0
// FedRec: federated, differentially private recommenders. No package dependencies by design:
// everything here builds with the Swift toolchain alone.
import PackageDescription

let strict: [SwiftSetting] = [.unsafeFlags(["-warnings-as-errors"], .when(configuration: .debug))]

let package = Package(
    name: "FedRec",
    products: [
        .executable(name: "fedrec", targets: ["fedrec"]),
        .library(name: "FedRecFederation", targets: ["FedRecFederation"]),
    ],
    targets: [
        .target(name: "FedRecMath"),
        .target(name: "FedRecData", dependencies: ["FedRecMath"]),
        .target(name: "FedRecModels", dependencies: ["FedRecData", "FedRecMath"]),
        .target(name: "FedRecPrivacy", dependencies: ["FedRecMath"]),
        .target(name: "FedRecFederation", dependencies: ["FedRecModels", "FedRecPrivacy"]),
        .target(name: "FedRecCLI", dependencies: ["FedRecFederation", "FedRecModels", "FedRecPrivacy", "FedRecData"]),
        .executableTarget(name: "fedrec", dependencies: ["FedRecCLI"]),

        .testTarget(name: "FedRecMathTests", dependencies: ["FedRecMath"]),
        .testTarget(name: "FedRecDataTests", dependencies: ["FedRecData"], resources: [.copy("Fixtures")]),
        .testTarget(name: "FedRecModelsTests", dependencies: ["FedRecModels"]),
        .testTarget(name: "FedRecPrivacyTests", dependencies: ["FedRecPrivacy"], resources: [.copy("Fixtures")]),
        .testTarget(name: "FedRecFederationTests", dependencies: ["FedRecFederation"]),
        .testTarget(name: "FedRecCLITests", dependencies: ["FedRecCLI"], resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)
