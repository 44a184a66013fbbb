import Foundation
import PlanFiles

// libFuzzer target over the model and cluster decoders (Fuzz/README.md). Built only when PLAN_FUZZ is
// set, with `-sanitize=fuzzer`: libFuzzer supplies `main` and calls `LLVMFuzzerTestOneInput` per input.

/// The bundled data (found from the current directory or the binary's: run it inside the checkout,
/// or set PLAN_DATA_DIR) and the reference model and cluster, loaded once on the first input.
let probe: InputProbe = {
    do { return try InputProbe() } catch {
        fatalError(
            "PlanFuzz cannot load the bundled models/ and clusters/ (run it in the checkout, "
                + "or set PLAN_DATA_DIR): \(error)")
    }
}()

/// One input: decoded as a model file and as a cluster file (`InputProbe.probe`), the way
/// `plan train --model FILE` and `--cluster FILE` decode files. A thrown `InputError` is the right
/// answer; anything in `findings` traps so that libFuzzer saves the input as a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = bytes.map { Data(bytes: $0, count: count) } ?? Data()
    let outcome = probe.probe(data)
    if !outcome.findings.isEmpty {
        fatalError("PlanFuzz finding: \(outcome.findings.joined(separator: "; "))")
    }
    return 0
}
