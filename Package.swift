// swift-tools-version:6.0
import PackageDescription

// Data flows one way (DESIGN.md): files → PlanFiles (decode, validate) → CostModel values →
// Planner (search, MILPs through GLPK) → the plan → PlanFiles (JSON) / Launchers (launcher files).
// Only `plan` uses ArgumentParser; only PlanFiles uses Yams; only Planner's GLPK wrapper uses CGLPK.
let package = Package(
    name: "plan",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "plan", targets: ["plan"]),
        .library(name: "CostModel", targets: ["CostModel"]),
        .library(name: "Planner", targets: ["Planner"]),
        .library(name: "PlanFiles", targets: ["PlanFiles"]),
        .library(name: "Launchers", targets: ["Launchers"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        .systemLibrary(name: "CGLPK", providers: [.apt(["libglpk-dev"])]),
        .target(name: "CostModel"),
        .target(name: "Planner", dependencies: ["CostModel", "CGLPK"]),
        .target(name: "PlanFiles", dependencies: ["CostModel", "Planner", .product(name: "Yams", package: "Yams")]),
        .target(name: "Launchers", dependencies: ["CostModel", "PlanFiles"]),
        .executableTarget(
            name: "plan",
            dependencies: [
                "CostModel", "Planner", "PlanFiles", "Launchers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "CostModelTests", dependencies: ["CostModel"]),
        .testTarget(name: "PlannerTests", dependencies: ["Planner", "CostModel"]),
        .testTarget(name: "PlanFilesTests", dependencies: ["PlanFiles", "Planner", "CostModel"]),
        .testTarget(name: "planTests", dependencies: ["plan", "CostModel", "Planner", "PlanFiles", "Launchers"]),
        .testTarget(name: "LaunchersTests", dependencies: ["Launchers", "PlanFiles", "Planner", "CostModel"]),
    ],
    swiftLanguageModes: [.v6]
)

// The libFuzzer target over the model and cluster decoders (Fuzz/README.md), only when PLAN_FUZZ is
// set: libFuzzer supplies its `main`, so without `-sanitize=fuzzer` it would not link, and a plain
// `swift build` must not try. `PLAN_FUZZ=1 swift build -c release --sanitize=fuzzer --product PlanFuzz`.
if Context.environment["PLAN_FUZZ"] != nil {
    package.products.append(.executable(name: "PlanFuzz", targets: ["PlanFuzz"]))
    package.targets.append(.executableTarget(name: "PlanFuzz", dependencies: ["PlanFiles"], path: "Fuzz/PlanFuzz"))
}
