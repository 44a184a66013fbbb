// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "plan",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "plan", targets: ["plan"]),
        .library(name: "CostModel", targets: ["CostModel"]),
        .library(name: "Planner", targets: ["Planner"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        .systemLibrary(name: "CGLPK", providers: [.apt(["libglpk-dev"])]),
        .target(name: "CostModel"),
        .target(name: "Planner", dependencies: ["CostModel", "CGLPK"]),
        .executableTarget(
            name: "plan",
            dependencies: [
                "CostModel", "Planner",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ]),
        .testTarget(name: "CostModelTests", dependencies: ["CostModel"]),
        .testTarget(name: "PlannerTests", dependencies: ["Planner", "CostModel"]),
        .testTarget(name: "planTests", dependencies: ["plan", "CostModel", "Planner"]),
    ],
    swiftLanguageModes: [.v6]
)
