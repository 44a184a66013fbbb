import CostModel
import Dispatch
import Foundation

/// Fits a few `Efficiency` values of each hardware profile to published runs, so that the values in
/// hardware-profiles/*.yaml come from a stated procedure instead of hand tuning, and so that
/// cross-validation (`CrossValidationReport`) can ask how well such a fit predicts runs it never saw.
///
/// What is fitted: a small fixed list of physical values per profile (`Parameter`: the BF16 and FP8
/// GEMM maxima, the hidden share of tensor-parallel communication, the fixed MoE dispatch time and the
/// fixed time per layer and pass); never a per-run constant. The GEMM size at half efficiency is not
/// fitted: it is a property of the GEMM library on the device, measured in isolation (each profile's
/// `gemm_half_GFLOP` source), and a fit to whole training steps used it to absorb per-layer time that
/// does not depend on GEMM size (it reached 64 GFLOP on H100, where cuBLAS measures about 6). Each
/// profile is fitted on the runs on that profile alone, and only in the values at least
/// `Options.minimumConstrainingRuns` of those runs constrain (`Parameter.constrains`) and the file
/// calibrates (`Parameter.isCalibrated`); a profile
/// with fewer than `Options.minimumRuns` runs keeps its file's values.
///
/// Objective, per profile: the mean over its n runs of |log(predicted / measured)|,
///
///     L(e) = (1/n) Σᵢ |ln p̂ᵢ(e) − ln mᵢ|,
///
/// where p̂ᵢ(e) is what `plan validate` predicts for run i (`ValidationReport.plan(for:)`: the published
/// degrees, an even layer split, the run's framework) with the profile's efficiency e. Logarithms make
/// 2× too fast and 2× too slow equally bad; absolute values (a median-like fit) keep one pathological
/// run from dragging every parameter towards it.
///
/// Search: coordinate descent. Each sweep takes the fitted values in `Parameter.allCases` order and
/// moves one to the best point of its bounded grid (`Parameter.grid`) with the others held, scanning a
/// coarse subgrid first and then every grid point within one coarse step of the coarse winner. The
/// current value is always a candidate and wins ties, so L never increases; the fit stops after
/// `Options.sweeps` sweeps or the first sweep that moves nothing. No randomness; candidates are scored
/// in parallel, but each into its own slot and compared in grid order, so the result is the same on
/// any machine and thread count.
package enum Calibration {
    /// One calibrated `Efficiency` value: its key in the profile files, its bounded grid, and which
    /// runs it moves and constrains.
    package enum Parameter: String, CaseIterable, Sendable, Encodable, Comparable {
        case gemmMax = "gemm_max"
        case fp8GemmMax = "fp8_gemm_max"
        case tensorCommOverlap = "tensor_comm_overlap"
        case moeLayerOverheadMicroseconds = "moe_layer_overhead_us"
        case layerOverheadMicroseconds = "layer_overhead_us"

        /// The candidate values, ascending: fractions in steps of 0.01 (GEMM maxima) or 0.05 (overlap),
        /// the MoE overhead in steps of 100 µs (0–3 ms) and the per-layer overhead in steps of 20 µs
        /// (0–1 ms).
        package var grid: [Double] {
            switch self {
            case .gemmMax: (35...90).map { Double($0) / 100 }
            case .fp8GemmMax: (25...80).map { Double($0) / 100 }
            case .tensorCommOverlap: (0...18).map { Double($0) / 20 }
            case .moeLayerOverheadMicroseconds: (0...30).map { Double($0) * 100 }
            case .layerOverheadMicroseconds: (0...50).map { Double($0) * 20 }
            }
        }

        package func value(in efficiency: Efficiency) -> Double {
            switch self {
            case .gemmMax: efficiency.gemmMax
            case .fp8GemmMax: efficiency.fp8GemmMax
            case .tensorCommOverlap: efficiency.tensorCommOverlap
            case .moeLayerOverheadMicroseconds: efficiency.moeLayerOverheadMicroseconds
            case .layerOverheadMicroseconds: efficiency.layerOverheadMicroseconds
            }
        }

        package func set(_ value: Double, in efficiency: inout Efficiency) {
            switch self {
            case .gemmMax: efficiency.gemmMax = value
            case .fp8GemmMax: efficiency.fp8GemmMax = value
            case .tensorCommOverlap: efficiency.tensorCommOverlap = value
            case .moeLayerOverheadMicroseconds: efficiency.moeLayerOverheadMicroseconds = value
            case .layerOverheadMicroseconds: efficiency.layerOverheadMicroseconds = value
            }
        }

        /// Whether the run measures this value, so that it counts towards fitting it: 16-bit GEMM
        /// maxima from BF16/FP16 runs (an FP8 run's BF16 GEMMs are only its attention core), the FP8
        /// maximum from FP8 runs on a device with FP8 tensor cores, the overlap from tensor-parallel
        /// runs whose framework overlaps (`Framework.tensorCommOverlap`), the MoE overhead from runs
        /// with MoE layers; every run measures the per-layer overhead.
        package func constrains(_ run: PublishedRun) -> Bool {
            switch self {
            case .gemmMax: run.config.precision != .fp8
            case .fp8GemmMax: run.config.precision == .fp8 && run.cluster.profile.supports(.fp8)
            case .layerOverheadMicroseconds: true
            case .tensorCommOverlap, .moeLayerOverheadMicroseconds: affects(run)
            }
        }

        /// Whether changing the value can change the run's prediction (what the cost model reads:
        /// DeviceSpeed, TrainingCost+Communication). Runs it does not affect keep their error while
        /// the value is searched, so they are not evaluated then.
        package func affects(_ run: PublishedRun) -> Bool {
            switch self {
            case .gemmMax, .layerOverheadMicroseconds: true
            case .fp8GemmMax: run.config.precision == .fp8
            case .tensorCommOverlap: run.config.tensor > 1 && run.framework.tensorCommOverlap
            case .moeLayerOverheadMicroseconds: run.model.moeLayers > 0
            }
        }

        /// Whether the file's value is a calibration the fit may change. A `tensor_comm_overlap` of 0
        /// is not: it says the device's frameworks run tensor-parallel communication exposed (Megatron's
        /// userbuffer overlap needs Hopper and NVLink: A100, H100 PCIe), a fact about the hardware, so
        /// it is kept. Every other value is a calibration.
        package func isCalibrated(in efficiency: Efficiency) -> Bool {
            self != .tensorCommOverlap || efficiency.tensorCommOverlap > 0
        }

        /// How far `value` is from `start`, in the units the prior counts: |ln(value / start)| (a
        /// factor of e is 1), or for a start of 0 the value over the grid's largest.
        package func distance(_ value: Double, from start: Double) -> Double {
            start > 0 && value > 0 ? abs(log(value / start)) : abs(value - start) / max(grid.last ?? 1, 1e-12)
        }

        package static func < (lhs: Parameter, rhs: Parameter) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    package struct Options: Sendable {
        /// At most this many coordinate-descent sweeps over the parameters.
        package var sweeps = 4
        /// A profile with fewer runs keeps its file's values.
        package var minimumRuns = 3
        /// A parameter is fitted only when at least this many of the profile's runs constrain it, so
        /// that one run cannot set a value on its own.
        package var minimumConstrainingRuns = 2
        /// The coarse scan visits every `coarseStride`-th grid point (always the first and last).
        package var coarseStride = 5
        /// The values to fit (a subset of `Parameter.allCases`; tests fit one at a time).
        package var parameters = Parameter.allCases
        /// How many runs' worth of evidence the starting values count as: the objective adds
        /// `priorWeight / n` times each value's distance from its start (`Parameter.distance`), so a
        /// fit on a few runs moves a value only as far as they agree it should. 0 (the published
        /// profiles' fit over dozens of runs) adds nothing; `plan calibrate` uses 1.
        package var priorWeight = 0.0

        package init() {}

        /// A team's calibration (`plan calibrate`): the profile's values count as one run.
        package static var team: Options {
            var options = Options()
            options.priorWeight = 1
            return options
        }
    }

    /// One fitted value of a profile.
    package struct FittedValue: Encodable, Sendable {
        package var key: Parameter
        /// The profile file's value.
        package var file: Double
        /// The value after the fit (equal to `file` when not fitted).
        package var fitted: Double
        /// Whether the value was fitted (enough runs constrain it) or kept from the file.
        package var wasFitted: Bool
        /// Runs on the profile that constrain it (`Parameter.constrains`).
        package var constrainingRuns: Int
    }

    /// The fit of one hardware profile.
    package struct ProfileFit: Encodable, Sendable {
        package var profile: String
        package var runs: Int
        /// Every `Parameter`, in order, fitted or kept.
        package var values: [FittedValue]
        /// Mean |ln(predicted / measured)| over the profile's runs with the file's values and after.
        package var objectiveBefore: Double
        package var objectiveAfter: Double
        /// Coordinate-descent sweeps run (0 when nothing was fitted).
        package var sweeps: Int
        /// The profile's efficiency after the fit (the file's with the fitted values put in).
        package var efficiency: Efficiency

        enum CodingKeys: String, CodingKey { case profile, runs, values, objectiveBefore, objectiveAfter, sweeps }
    }

    /// The plan `plan validate` predicts for `run`, with `efficiency` as its profile's (nil: the file's).
    package static func predictedTokensPerSecondPerDevice(
        _ run: PublishedRun, efficiency: Efficiency? = nil
    )
        throws -> Double
    {
        var run = run
        if let efficiency { set(efficiency, in: &run) }
        let plan = try ValidationReport.plan(for: run)
        return plan.estimate.tokensPerSecond / Double(run.config.devices)
    }

    /// `run` with `efficiency` on every cluster group of its profile.
    package static func set(_ efficiency: Efficiency, in run: inout PublishedRun) {
        let name = run.cluster.profile.name
        for index in run.cluster.groups.indices where run.cluster.groups[index].profile.name == name {
            run.cluster.groups[index].profile.efficiency = efficiency
        }
    }

    /// Fits every profile of `runs`, each on its own runs; one fit per profile name, sorted by name.
    package static func fit(_ runs: [PublishedRun], options: Options = Options()) throws -> [ProfileFit] {
        let byProfile = Dictionary(grouping: runs, by: { $0.cluster.profile.name })
        return try byProfile.keys.sorted().map { try fitProfile(byProfile[$0]!, options: options) }
    }

    /// The fit of one profile's runs (all on the same profile; the first run's profile gives the
    /// starting values).
    package static func fitProfile(_ runs: [PublishedRun], options: Options = Options()) throws -> ProfileFit {
        precondition(!runs.isEmpty, "a profile fit needs runs")
        let start = runs[0].cluster.profile.efficiency
        let counts = Parameter.allCases.map { parameter in runs.filter(parameter.constrains).count }
        let free = Parameter.allCases.indices.filter { index in
            let parameter = Parameter.allCases[index]
            return runs.count >= options.minimumRuns && options.parameters.contains(parameter)
                && counts[index] >= options.minimumConstrainingRuns && parameter.isCalibrated(in: start)
        }.map { Parameter.allCases[$0] }
        let measured = runs.map { log($0.measuredTokensPerSecondPerDevice) }
        // Per-run |ln p̂ − ln m| at the current point.
        var terms = try zip(runs, measured).map { run, m in
            abs(log(try predictedTokensPerSecondPerDevice(run, efficiency: start)) - m)
        }
        let before = terms.reduce(0, +) / Double(runs.count)
        var current = start
        var sweeps = 0
        while sweeps < options.sweeps && !free.isEmpty {
            sweeps += 1
            var moved = false
            for parameter in free {
                let affected = runs.indices.filter { parameter.affects(runs[$0]) }
                let origin = parameter.value(in: start), weight = options.priorWeight
                let (value, newTerms) = try lineSearch(
                    parameter, from: current, runs: runs, affected: affected,
                    measured: measured, terms: terms, stride: options.coarseStride,
                    penalty: { weight * parameter.distance($0, from: origin) })
                if value != parameter.value(in: current) {
                    parameter.set(value, in: &current)
                    for (slot, index) in affected.enumerated() { terms[index] = newTerms[slot] }
                    moved = true
                }
            }
            if !moved { break }
        }
        let values = Parameter.allCases.enumerated().map { index, parameter in
            FittedValue(
                key: parameter, file: parameter.value(in: start), fitted: parameter.value(in: current),
                wasFitted: free.contains(parameter), constrainingRuns: counts[index])
        }
        return ProfileFit(
            profile: runs[0].cluster.profile.name, runs: runs.count, values: values,
            objectiveBefore: Rounded.six(before), objectiveAfter: Rounded.six(terms.reduce(0, +) / Double(runs.count)),
            sweeps: sweeps, efficiency: current)
    }

    /// The best value of `parameter` with the rest of `current` held: a coarse scan of its grid, then
    /// the grid points within one coarse step of the coarse winner. The current value is a candidate
    /// too and wins ties (strictly lower sums move); among grid points the lower one wins a tie. Only the
    /// `affected` runs are evaluated; the others' terms do not change. Returns the value and the
    /// affected runs' terms there.
    static func lineSearch(
        _ parameter: Parameter, from current: Efficiency, runs: [PublishedRun], affected: [Int],
        measured: [Double], terms: [Double], stride: Int, penalty: (Double) -> Double = { _ in 0 }
    ) throws -> (Double, [Double]) {
        let grid = parameter.grid
        let here = parameter.value(in: current)
        var best = (
            value: here, sum: affected.reduce(0) { $0 + terms[$1] } + penalty(here), terms: affected.map { terms[$0] }
        )
        guard !affected.isEmpty else { return (best.value, best.terms) }
        var scored: [Int: (sum: Double, terms: [Double])] = [:]
        func consider(_ indices: [Int]) throws {
            let fresh = indices.filter { scored[$0] == nil }
            let results = try score(fresh.map { grid[$0] }, parameter, current, runs, affected, measured)
            for (index, result) in zip(fresh, results) {
                scored[index] = (result.sum + penalty(grid[index]), result.terms)
            }
        }
        var coarse = Array(Swift.stride(from: 0, to: grid.count, by: max(stride, 1)))
        if coarse.last != grid.count - 1 { coarse.append(grid.count - 1) }
        try consider(coarse)
        let coarseBest = coarse.min { (scored[$0]!.sum, $0) < (scored[$1]!.sum, $1) }!
        let step = max(stride, 1)
        let fine = Array(max(0, coarseBest - step)...min(grid.count - 1, coarseBest + step))
        try consider(fine)
        for index in scored.keys.sorted() where scored[index]!.sum < best.sum {
            best = (grid[index], scored[index]!.sum, scored[index]!.terms)
        }
        return (best.value, best.terms)
    }

    /// Σ over the affected runs of |ln p̂ − ln m| and the terms themselves, for each candidate value;
    /// candidates are scored on all cores, each into its own slot.
    static func score(
        _ values: [Double], _ parameter: Parameter, _ current: Efficiency, _ runs: [PublishedRun],
        _ affected: [Int], _ measured: [Double]
    ) throws -> [(sum: Double, terms: [Double])] {
        let work = values.flatMap { value in affected.map { (value, $0) } }
        let slots = ResultSlots<Result<Double, any Error>>(count: work.count)
        DispatchQueue.concurrentPerform(iterations: work.count) { slot in
            let (value, index) = work[slot]
            var efficiency = current
            parameter.set(value, in: &efficiency)
            slots.set(
                slot,
                Result {
                    abs(
                        log(try predictedTokensPerSecondPerDevice(runs[index], efficiency: efficiency))
                            - measured[index])
                })
        }
        let terms = try slots.values.map { try $0!.get() }
        return values.indices.map { v in
            let chunk = Array(terms[(v * affected.count)..<((v + 1) * affected.count)])
            return (chunk.reduce(0, +), chunk)
        }
    }
}

extension Calibration {
    /// `run` on its profile with every calibrated key back at the library's uncalibrated value
    /// (`Efficiency()`), the measured keys (GEMM half size, HBM, links, serving overheads) and a
    /// hardware statement (a tensor-comm overlap of 0: the part runs it exposed) kept. Cross-validation
    /// starts each fold here, so that no fold sees values the profile files took from the family it
    /// holds out.
    package static func uncalibrated(_ run: PublishedRun) -> PublishedRun {
        var run = run
        let defaults = Efficiency()
        for index in run.cluster.groups.indices {
            var efficiency = run.cluster.groups[index].profile.efficiency
            for parameter in Parameter.allCases where parameter.isCalibrated(in: efficiency) {
                parameter.set(parameter.value(in: defaults), in: &efficiency)
            }
            run.cluster.groups[index].profile.efficiency = efficiency
        }
        return run
    }
}
