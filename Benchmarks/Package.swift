// swift-tools-version:6.0
// Planning-speed benchmarks, run on demand: `make bench` (or `swift run -c release PlanBenchmarks`
// in this folder). Not part of the test suite.
import Foundation
import PackageDescription

// The parent package's identity is its folder's name, whatever the checkout is called.
let parent = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent
    .lowercased()

let package = Package(
    name: "PlanBenchmarks",
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(
            name: "PlanBenchmarks",
            dependencies: [
                .product(name: "Planner", package: parent), .product(name: "CostModel", package: parent),
                .product(name: "PlanFiles", package: parent),
            ])
    ],
    swiftLanguageModes: [.v6]
)
